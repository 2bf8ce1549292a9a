// The delivery model: one row per post x channel, moving through the state
// machine of docs/design.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "contract/outcome.h"

namespace loa {

// scheduled -> sending -> published | scheduled (retry) | failed | uncertain
// scheduled -> cancelled | failed (missed); published -> retracted
enum class DeliveryState {
  kScheduled,
  kSending,
  kPublished,
  kFailed,
  kCancelled,
  kRetracted,
  kUncertain,
};
const char* StateName(DeliveryState s);
std::optional<DeliveryState> ParseState(const std::string& name);

struct Delivery {
  int64_t id = 0;
  std::string post_id;
  std::string channel;
  DeliveryState state = DeliveryState::kScheduled;
  TimePoint due_at{};
  // Tries started so far, less those that ended in an auth pause: the
  // channel's credentials failed, not this delivery, so such a try is made
  // again under the same number and is not held against max_attempts.
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;  // set while waiting for a retry
  std::string remote_id;
  std::string remote_url;
  std::string last_error;
  ErrorClass error_class = ErrorClass::kNone;
  TimePoint updated_at{};
  // Set while the channel answered "accepted, not finished" (Outcome::Pending):
  // the next call carries it (PublishRequest::resume_token) and next_attempt_at
  // holds the come-back time. The post may already be on the channel, so a
  // delivery holding one is treated like one being sent: never replaced,
  // cancelled or marked missed.
  std::string resume_token;
  // A takedown asked for by a retract instruction and not yet settled; it is
  // carried out once the delivery is published.
  std::optional<TimePoint> retract_requested_at;
  int retract_attempts = 0;  // takedown tries for that request (auth pauses as above)
  std::optional<TimePoint> retract_next_at;  // set while waiting to try again
  // The revision of the item this delivery carries (Store::ListRevisions):
  // the item's latest whenever it is (re)scheduled to be sent afresh; one
  // kept on the channel (published, sending, uncertain, or holding a resume
  // token) keeps the revision it went out with.
  int revision = 0;

  // When the scheduler should next consider this delivery.
  TimePoint EffectiveDue() const { return next_attempt_at.value_or(due_at); }
  // Whether the channel has the post, may have it (being sent, outcome
  // unknown, accepted and not finished) or had it (taken down): a new
  // revision of the item does not replace it, since sending again could
  // publish twice (Store::UpsertPost), so it keeps `revision`.
  bool KeepsItsRevision() const {
    switch (state) {
      case DeliveryState::kPublished:
      case DeliveryState::kSending:
      case DeliveryState::kUncertain:
      case DeliveryState::kRetracted:
        return true;
      case DeliveryState::kScheduled:
        return !resume_token.empty();
      case DeliveryState::kFailed:
      case DeliveryState::kCancelled:
        return false;
    }
    return false;
  }
  bool RetractPending() const { return retract_requested_at.has_value(); }
  // When the pending takedown should next be tried (requires RetractPending()).
  TimePoint RetractDue() const { return retract_next_at.value_or(*retract_requested_at); }
};

// What an attempt row is about: sending the post, or taking it down.
enum class AttemptAction { kPublish, kRetract };
const char* AttemptActionName(AttemptAction a);
std::optional<AttemptAction> ParseAttemptAction(const std::string& name);

// What an attempt row says happened. Each name is stored in the database and
// written to deliveries.jsonl (see AttemptOutcomeName).
enum class AttemptOutcome {
  kPublished,  // the post is on the channel
  kRetracted,  // taken down
  kRetry,      // not done; tried again at next_attempt_at
  kPending,    // accepted, not finished: called again at next_attempt_at with a resume token
  kFailed,     // given up
  kUncertain,  // may or may not be out: held for the operator
  kMissed,     // too late to send (max_lateness): decided without a try
  kCancelled,  // withdrawn before it went out: decided without a try
};
const char* AttemptOutcomeName(AttemptOutcome o);
std::optional<AttemptOutcome> ParseAttemptOutcome(std::string_view name);

// Who decided what an attempt row records: loa itself (a try, a missed or
// replaced delivery, a reconcile), or an operator through the control API
// (Engine::OperatorRetry and the others). Stored by name; operator rows are
// marked in deliveries.jsonl.
enum class Actor { kLoa, kOperator };
const char* ActorName(Actor a);
std::optional<Actor> ParseActor(std::string_view name);

// The state a delivery is in after an attempt row. A takedown try leaves it
// published unless it took the post down. The one place this is decided:
// the store writes it and the delivery log and tests read it back.
DeliveryState StateAfter(AttemptAction action, AttemptOutcome outcome);

// One row per try (and per decision taken without one: missed, cancelled,
// reconciliation, an operator's move), written together with the delivery's
// new state in one transaction.
struct AttemptRecord {
  int64_t delivery_id = 0;
  AttemptAction action = AttemptAction::kPublish;
  // 1-based; decisions reuse the count of tries so far; takedown tries are
  // numbered per retract request; a try ended by an auth pause or a pending
  // answer is made again under the same number.
  int number = 0;
  TimePoint started_at{};
  TimePoint ended_at{};
  AttemptOutcome outcome = AttemptOutcome::kFailed;
  // With kRetry or kPending: when to call again.
  std::optional<TimePoint> next_attempt_at;
  // With kPending: what the next call carries. Kept in the store only (never
  // in the attempt row or the log).
  std::string resume_token;
  std::string remote_id;
  std::string remote_url;
  int http_status = 0;
  ErrorClass error_class = ErrorClass::kNone;
  std::string error;  // "" when none
  int64_t latency_ms = 0;
  Actor actor = Actor::kLoa;
  // A look again at an uncertain delivery (1..4, queue/engine_relook.cc): it
  // is recorded only while the delivery is still uncertain, so a look whose
  // delivery an operator settled meanwhile is dropped. 0 for any other row.
  // Not stored: the row's error says "looked again (k of 4)".
  int look = 0;

  DeliveryState new_state() const { return StateAfter(action, outcome); }
  // A try the engine gives back: the channel's credentials failed (an auth
  // pause), or the channel asked to be called again (pending). It is not held
  // against max_attempts.
  bool GivesTryBack() const {
    return outcome == AttemptOutcome::kPending ||
           (outcome == AttemptOutcome::kRetry && error_class == ErrorClass::kAuth);
  }
};

}  // namespace loa
