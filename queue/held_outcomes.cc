// The engine's path from an attempt row to the store and the logs, and what
// it does when the store refuses: the row is held in memory and committed
// again on a timer until it lands (see queue/engine.h "Store faults").
#include <algorithm>
#include <utility>

#include "base/log.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

bool Engine::Record(const Delivery& d, const AttemptRecord& rec) {
  Status committed = store_.FinishAttempt(rec);
  if (!committed.ok()) {
    store_refused_ = true;
    Hold(d, rec, committed.error());
    return false;
  }
  // The line and the events follow the commit (of the group, in one).
  AfterGroupCommit({[this, d, rec] { AfterCommit(d, rec); },
                    [this, d, rec](const std::string& error) {
                      store_refused_ = true;
                      Hold(d, rec, error);
                    }});
  return true;
}

void Engine::AfterCommit(const Delivery& d, const AttemptRecord& rec) {
  // Only after the commit: a line in deliveries.jsonl is a promise that the
  // store agrees. The line comes from the committed row.
  CatchUpLog();
  LogAttemptLine(d, rec);
  EngineEvent event;
  event.kind = EngineEvent::Kind::kAttempt;
  event.channel = d.channel;
  event.delivery = d;
  event.record = rec;
  Emit(event);
  if (rec.look > 0) AfterLook(d, rec);
}

bool Engine::Droppable(const HeldRecord& held, const std::string& error) {
  // A refusal that no retry can cure: the delivery was settled by something
  // else meanwhile (an operator's move). A read that fails says nothing.
  Result<bool> applies = store_.StillRecordable(held.record);
  if (!applies.ok() || *applies) return false;
  LogError("cannot record " + RecordLabel(held.delivery, held.record) + ": " + error +
           "; the delivery was settled otherwise meanwhile, so this outcome is dropped");
  return true;
}

void Engine::Hold(const Delivery& d, const AttemptRecord& rec, const std::string& error) {
  HeldRecord held{d, rec, 1};
  if (Droppable(held, error)) return;
  LogError("cannot record " + RecordLabel(d, rec) + ": " + error +
           "; kept in memory and committed again until the store takes it (" + d.channel +
           " sends nothing meanwhile)");
  held_.push_back(std::move(held));
}

void Engine::RetryHeld() {
  // In order, and stop at the first refusal: each refusal may have cost a
  // busy timeout, and the next try comes soon.
  while (!held_.empty()) {
    HeldRecord& held = held_.front();
    Status committed = store_.FinishAttempt(held.record);
    if (!committed.ok()) {
      if (Droppable(held, committed.error())) {
        held_.pop_front();
        continue;
      }
      if (++held.tries % kHeldLogEvery == 0) {
        LogError("still cannot record " + RecordLabel(held.delivery, held.record) + " after " +
                 std::to_string(held.tries) + " tries: " + committed.error());
      }
      store_refused_ = true;
      return;
    }
    HeldRecord done = std::move(held);
    held_.pop_front();
    LogInfo("recorded " + RecordLabel(done.delivery, done.record) + " after " +
            std::to_string(done.tries) + " tries");
    AfterCommit(done.delivery, done.record);
  }
}

void Engine::ArmStoreRetry() {
  if (store_timer_armed_) return;
  store_timer_armed_ = true;
  store_timer_.expires_after(store_backoff_);
  store_backoff_ = std::min(store_backoff_ * 2, kStoreRetryMax);
  store_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        store_timer_armed_ = false;
        OnStoreRetry();
      });
}

void Engine::OnStoreRetry() {
  store_refused_ = false;
  RetryHeld();
  if (stopping_) {
    MaybeFinishStop();
    if (stop_done_ && !held_.empty()) ArmStoreRetry();
    return;
  }
  if (store_refused_) {
    // Still refused: trying other writes now would only wait out another
    // busy timeout on the event loop. The next retry (or an outcome) wakes.
    ArmStoreRetry();
    return;
  }
  if (!reconciled_) ReconcileSending();
  Wake();
}

void Engine::ReportHeldAtStop() {
  // The last try; what the store still refuses is not lost for good: the
  // delivery stays as the store has it (`sending` for a request that went
  // out), and the reconcile at the next start settles it.
  RetryHeld();
  for (const HeldRecord& held : held_) {
    LogError("stopping with " + RecordLabel(held.delivery, held.record) +
             " not recorded (the store refused it " + std::to_string(held.tries) +
             " times): " + NextStartDoes(held.record));
  }
  held_.clear();
}

void Engine::CatchUpLog() {
  Result<int> caught = log_.CatchUp(store_);
  if (caught.ok()) {
    if (log_behind_) LogInfo("delivery log: caught up with the store again");
    log_behind_ = false;
    return;
  }
  // Logged once per streak: every later commit tries again, and the lines
  // come out in order once the file takes them.
  if (!log_behind_) {
    LogError("delivery log: " + caught.error() +
             "; the store has the attempt, and its line is written by a later catch-up");
  }
  log_behind_ = true;
}

}  // namespace loa
