// One attempt pipeline (docs/design.md): every connector call —
// publishing (and resuming a pending publish), a takedown, the reconcile of a
// delivery a crash left `sending` — is a Call of some kind, and its Answer is
// mapped here, by pure functions, to the one attempt row the engine commits
// and the one human line it logs. Private to the engine.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "config/config.h"
#include "contract/connector.h"
#include "queue/delivery.h"

namespace loa {

// How long a channel paused for auth waits before one call is tried again
// as a probe (see queue/engine.h).
inline constexpr Millis kAuthProbeInterval = std::chrono::minutes(15);

enum class CallKind {
  kPublish,   // Connector::Publish (with the resume token after a pending answer)
  kTakedown,  // Connector::Retract of a published delivery with a takedown pending
  // Connector::Reconcile: of a delivery found `sending` at start, or a look
  // again at an uncertain one (Call::look, queue/engine_relook.cc)
  kReconcile,
};

// One connector call: what it is about, and when its try started (for a
// reconcile: when `sending` was committed before the crash).
struct Call {
  CallKind kind = CallKind::kPublish;
  Delivery delivery;
  TimePoint started{};
  // With kReconcile: the number of this look again at an uncertain
  // delivery (1..kLooks); 0 for the reconcile at start and any other call.
  int look = 0;
};

// What came back from the worker.
struct Answer {
  Outcome outcome;                               // publish, takedown
  std::optional<Reconciliation> reconciliation;  // reconcile
  Millis latency{0};
};

// The answer for a call whose item the store cannot give (gone or
// unreadable: trying again cannot help).
Answer UnloadableItem(CallKind kind, const std::string& error);

// The attempt row for `call` ended at `ended` with `answer`. Retries draw
// their jitter from `rng`. An auth failure becomes a retry with error class
// kAuth due at the next probe (IsAuthPause): the engine pauses the channel.
AttemptRecord RecordFor(const Call& call, TimePoint ended, const Answer& answer,
                        const RetryPolicy& policy, std::mt19937_64& rng);
bool IsAuthPause(const AttemptRecord& rec);
// Whether the channel accepted the call (ends an auth pause).
bool Accepted(const AttemptRecord& rec);

// Looking again at uncertain deliveries (queue/engine_relook.cc). An
// `uncertain` outcome is followed by kLooks lookups (Connector::Reconcile),
// 1 min, 5 min, 30 min and 2 h after it.
inline constexpr int kLooks = 4;
// How long after look `done` (0: the uncertain outcome itself) the next one
// comes; none after the last.
std::optional<Millis> NextLookIn(int done);
// How many looks an uncertain delivery's attempt rows (oldest first) show:
// the uncertain rows that follow the one that made it uncertain.
int LooksDone(const std::vector<AttemptRecord>& rows);
// The attempt row of look `look` that found `r`.
void MapLook(AttemptRecord& rec, int look, const Reconciliation& r);

// "<item> on <channel>".
std::string AttemptLabel(const Delivery& d);
// Names an outcome in the lines about committing it.
std::string RecordLabel(const Delivery& d, const AttemptRecord& rec);
// What the next start does with an outcome that could not be recorded.
std::string NextStartDoes(const AttemptRecord& rec);
// The human line of a committed attempt row (the journal; deliveries.jsonl
// has the machine one).
void LogAttemptLine(const Delivery& d, const AttemptRecord& rec);

}  // namespace loa
