// Looking again at uncertain deliveries (docs/design.md, "Looking again at
// uncertain deliveries"). An `uncertain` outcome means the create may have
// gone out and its answer was lost; the post is often plainly there a minute
// later. So the engine asks the platform again (Connector::Reconcile) on a
// fixed backoff, through the one attempt pipeline (queue/engine_calls.cc): a
// look is a Call of kind kReconcile with its number, spaced, paused and
// serialised like any call on its channel, and each look is an attempt row
// (and a deliveries.jsonl line). Only a lookup that says "certainly absent"
// sends the post again, so "never twice" holds.
//
// The schedule lives in the store: the next look's time is the uncertain
// delivery's next_attempt_at, and the looks done so far are its uncertain
// rows after the one that made it uncertain. A restart continues it.
#include <algorithm>
#include <chrono>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "queue/attempt.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

namespace {

using std::chrono::hours;
using std::chrono::minutes;

// When each look comes, counted from the uncertain outcome. Soon enough that
// a post plainly on the channel is settled within a minute, late enough that
// a slow platform (Graph, Zalo's article verify) has shown it by the last.
constexpr Millis kLookAt[kLooks] = {minutes(1), minutes(5), minutes(30), hours(2)};

std::string LookLabel(int look) {
  return "looked again (" + std::to_string(look) + " of " + std::to_string(kLooks) + ")";
}

std::string Detail(const std::string& message) { return message.empty() ? "" : ": " + message; }

}  // namespace

std::optional<Millis> NextLookIn(int done) {
  done = std::max(done, 0);
  if (done >= kLooks) return std::nullopt;
  // From the look before, so that one made late (a restart, a busy channel)
  // pushes the later ones back rather than bunching them up.
  return done == 0 ? kLookAt[0] : kLookAt[done] - kLookAt[done - 1];
}

int LooksDone(const std::vector<AttemptRecord>& rows) {
  int trailing = 0;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->action == AttemptAction::kRetract) continue;  // never while uncertain; not ours
    if (it->outcome != AttemptOutcome::kUncertain) break;
    ++trailing;
  }
  // The first of them made the delivery uncertain; the rest are looks.
  return std::max(trailing - 1, 0);
}

void MapLook(AttemptRecord& rec, int look, const Reconciliation& r) {
  rec.look = look;
  const std::string label = LookLabel(look);
  switch (r.kind) {
    case Reconciliation::Kind::kPublished:
      rec.outcome = AttemptOutcome::kPublished;
      rec.remote_id = r.published.remote_id;
      rec.remote_url = r.published.url;
      rec.http_status = r.published.http_status;
      rec.error = label + ": found on the channel" + Detail(r.message);
      break;
    case Reconciliation::Kind::kAbsent:
      // Certainly not there (or resending is idempotent): sent again, no
      // earlier than a create still in flight could land. Not held against
      // max_attempts: the try that ended uncertain may have been the last,
      // and only now is it known that it did not go out.
      rec.outcome = AttemptOutcome::kRetry;
      rec.error_class = ErrorClass::kTransient;
      rec.next_attempt_at = std::max(rec.ended_at, r.not_before.value_or(rec.ended_at));
      rec.error = label + ": not on the channel, sending again" + Detail(r.message);
      break;
    case Reconciliation::Kind::kUnknown: {
      rec.outcome = AttemptOutcome::kUncertain;
      rec.error_class = ErrorClass::kUncertain;
      const std::optional<Millis> next = NextLookIn(look);
      if (next) {
        rec.next_attempt_at = rec.ended_at + *next;
        rec.error = label + Detail(r.message) + "; next look in " + FormatDuration(*next);
      } else {
        rec.error = label + Detail(r.message) + "; that was the last look";
      }
      break;
    }
  }
}

std::optional<TimePoint> Engine::UnplannedLook(const Delivery& d, bool& failed) {
  auto known = unplanned_looks_.find(d.id);
  if (known != unplanned_looks_.end() && known->second.first == d.updated_at) {
    return known->second.second;
  }
  // Read once per delivery (and again only if it changed): without a
  // planned look it is either from before loa looked again, or done.
  Result<std::vector<AttemptRecord>> rows = store_.ListAttempts(d.id);
  if (!rows.ok()) {
    failed = true;
    LogError("queue database: " + rows.error() + "; trying again shortly");
    return std::nullopt;
  }
  const int done = LooksDone(*rows);
  std::optional<TimePoint> at;
  if (std::optional<Millis> wait = NextLookIn(done)) {
    at = std::max(looks_from_, d.updated_at) + *wait;
  }
  unplanned_looks_[d.id] = {d.updated_at, at};
  return at;
}

std::optional<Engine::NextCall> Engine::PlanLook(ChannelRuntime& rt, std::optional<TimePoint> last,
                                                 bool& failed) {
  // Uncertain deliveries are few (each waits for a person): one indexed read.
  Result<std::vector<Delivery>> uncertain = store_.InState(DeliveryState::kUncertain);
  if (!uncertain.ok()) {
    failed = true;
    LogError("queue database: " + uncertain.error() + "; trying again shortly");
    return std::nullopt;
  }
  std::optional<NextCall> best;
  for (Delivery& d : *uncertain) {
    if (d.channel != rt.config.name) continue;
    std::optional<TimePoint> at = d.next_attempt_at;
    if (!at) at = UnplannedLook(d, failed);
    if (failed) return std::nullopt;
    if (!at) continue;
    const TimePoint due = *at;
    // Spaced like any request; the daily window does not apply: it says
    // when to publish, and a lookup publishes nothing.
    if (last) at = std::max(*at, *last + rt.config.min_interval);
    if (best && (best->at < *at || (best->at == *at && best->due <= due))) continue;
    NextCall next;
    next.at = *at;
    next.due = due;
    next.look = true;
    next.delivery = std::move(d);
    best = std::move(next);
  }
  return best;
}

bool Engine::StartLook(ChannelRuntime& rt, const Delivery& d, TimePoint now) {
  Result<std::vector<AttemptRecord>> rows = store_.ListAttempts(d.id);
  if (!rows.ok()) {
    store_refused_ = true;
    LogError("cannot look again at " + AttemptLabel(d) + ": " + rows.error() +
             "; trying again shortly");
    return false;
  }
  unplanned_looks_.erase(d.id);
  // A planned look with every look already made cannot come from the
  // engine's own rows; it is made as the last, so that it settles.
  const int look = std::min(LooksDone(*rows) + 1, kLooks);
  return StartCall(rt, CallKind::kReconcile, d, now, look);
}

void Engine::AfterLook(const Delivery& d, const AttemptRecord& rec) {
  if (rec.outcome != AttemptOutcome::kUncertain || NextLookIn(rec.look)) return;
  LogError("uncertain " + AttemptLabel(d) + ": looked up " + std::to_string(kLooks) +
           " times and still cannot tell whether it was published; the operator decides (see "
           "docs/control-api.md: resolve or retry)");
  EngineEvent event;
  event.kind = EngineEvent::Kind::kUncertainFinal;
  event.channel = d.channel;
  event.delivery = d;
  event.delivery.last_error = rec.error;
  event.delivery.next_attempt_at.reset();
  event.delivery.updated_at = rec.ended_at;
  event.record = rec;
  event.message = rec.error;
  Emit(event);
}

}  // namespace loa
