// An operator's decisions (queue/engine.h, docs/control-api.md): the store
// moves the deliveries in one transaction (Store::DecideAsOperator), then
// each row takes the path of every committed row (AfterCommit: the
// deliveries.jsonl line, the journal line, the kAttempt event), and the
// engine plans again. What the engine holds in memory about a delivery the
// operator moved is brought in line first.
#include <algorithm>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

Result<std::vector<Delivery>> Engine::Decide(Store::OperatorDecision decision) {
  decision.zone = config_->timezone;
  const TimePoint now = clock_.Now();
  // A look at an uncertain delivery under way may be about to find the post:
  // a retry now could send it twice, a resolve would race the look's answer.
  Result<std::vector<Delivery>> current = store_.ListDeliveries(decision.post_id);
  if (!current.ok()) return current.failure();
  for (const Delivery& d : *current) {
    if (!decision.channel.empty() && d.channel != decision.channel) continue;
    auto rt = channels_.find(d.channel);
    if (d.state != DeliveryState::kUncertain || rt == channels_.end() ||
        rt->second->under_way.count(d.id) == 0) {
      continue;
    }
    return Error{"loa is looking up " + Quoted(std::string_view(d.post_id).substr(0, 120)) +
                     " on " + d.channel +
                     " right now; try again in a minute, once the look has come back",
                 Error::Code::kInvalid};
  }
  Result<std::vector<Store::OperatorChange>> changes = store_.DecideAsOperator(decision, now);
  if (!changes.ok()) return changes.failure();
  std::vector<Delivery> after;
  for (const Store::OperatorChange& change : *changes) {
    // An outcome held for this delivery (a missed decision the store
    // refused; a delivery being sent is never moved) was decided about the
    // delivery as it was: the operator's move replaces it, and committing it
    // later would undo that move.
    const int64_t id = change.after.id;
    auto stale = std::remove_if(held_.begin(), held_.end(), [&](const HeldRecord& held) {
      if (held.record.delivery_id != id) return false;
      LogWarning("dropped " + RecordLabel(held.delivery, held.record) +
                 ", not yet recorded: the operator's decision replaces it");
      return true;
    });
    held_.erase(stale, held_.end());
    // Asked for now: a channel paused for auth tries it at once as its
    // probe (a failed probe gives the try back and keeps the pause).
    if (decision.action == Store::OperatorAction::kRetry) {
      auto rt = channels_.find(change.after.channel);
      if (rt != channels_.end() && rt->second->pause) rt->second->pause->probe_at = now;
    }
    AfterCommit(change.before, change.record);
    after.push_back(change.after);
  }
  // Stopping: the change is on disk, and the next start acts on it.
  if (!stopping_) Wake();
  return after;
}

Result<std::vector<Delivery>> Engine::OperatorRetry(const std::string& post_id,
                                                    const std::string& channel) {
  Store::OperatorDecision decision;
  decision.action = Store::OperatorAction::kRetry;
  decision.post_id = post_id;
  decision.channel = channel;
  return Decide(decision);
}

Result<std::vector<Delivery>> Engine::OperatorCancel(const std::string& post_id,
                                                     const std::string& channel) {
  Store::OperatorDecision decision;
  decision.action = Store::OperatorAction::kCancel;
  decision.post_id = post_id;
  decision.channel = channel;
  return Decide(decision);
}

Result<std::vector<Delivery>> Engine::OperatorReschedule(const std::string& post_id,
                                                         TimePoint due) {
  // A first try later than max_lateness is marked missed at once: a time
  // that far back would fail the deliveries rather than send them.
  const TimePoint now = clock_.Now();
  if (due + config_->max_lateness < now) {
    return Error{"cannot reschedule item " + Quoted(std::string_view(post_id).substr(0, 120)) +
                     " to " + FormatLocal(due, config_->timezone) + ": more than max_lateness (" +
                     FormatDuration(config_->max_lateness) +
                     ") ago, so it would be marked missed at once",
                 Error::Code::kInvalid};
  }
  Store::OperatorDecision decision;
  decision.action = Store::OperatorAction::kReschedule;
  decision.post_id = post_id;
  decision.due = due;
  return Decide(decision);
}

Result<std::vector<Delivery>> Engine::OperatorResolve(const std::string& post_id,
                                                      const std::string& channel, bool published,
                                                      const std::string& url) {
  Store::OperatorDecision decision;
  decision.action = Store::OperatorAction::kResolve;
  decision.post_id = post_id;
  decision.channel = channel;
  decision.published = published;
  decision.url = url;
  return Decide(decision);
}

}  // namespace loa
