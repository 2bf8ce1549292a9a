// Grouped commits (queue/engine.h): one transaction and one sync for the
// outcomes of the answers that came back together. A durable commit costs about as much as a
// request to a nearby platform (bench/: "durable SQLite commits"); one per
// state change capped a burst at the disk's commit rate.
#include <utility>

#include "base/log.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

void Engine::InGroup(const std::function<void()>& body) {
  if (group_ != nullptr) {
    body();
    return;
  }
  std::vector<GroupAction> actions;
  Status begun = store_.BeginGroup();
  if (!begun.ok()) {
    // (The store's lock held elsewhere, say.) Each write then commits, or
    // is refused, alone: a refused outcome is held, a refused `sending`
    // leaves its delivery scheduled, and the store timer tries again.
    body();
    return;
  }
  group_ = &actions;
  body();
  group_ = nullptr;
  Status ended = store_.EndGroup();
  if (!ended.ok()) {
    store_refused_ = true;
    LogError("queue database: " + ended.error() + "; " + std::to_string(actions.size()) +
             " change(s) undone, tried again shortly");
    for (GroupAction& a : actions) a.undone(ended.error());
    return;
  }
  for (GroupAction& a : actions) a.committed();
}

void Engine::AfterGroupCommit(GroupAction action) {
  if (group_ == nullptr) {
    action.committed();
    return;
  }
  group_->push_back(std::move(action));
}

void Engine::OnAnswer(ChannelRuntime& rt, const Call& call, const Answer& answer) {
  answered_.push_back({&rt, call, answer});
  if (answered_.size() > 1) return;  // its SettleAnswers is queued already
  // Posted behind whatever else the workers brought back meanwhile.
  asio::post(io_, WhileAlive(alive_, [this] { SettleAnswers(); }));
}

void Engine::SettleAnswers() {
  std::vector<Answered> answers = std::exchange(answered_, {});
  InGroup([&] {
    for (const Answered& a : answers) {
      ChannelRuntime& rt = *a.rt;
      --rt.in_flight;
      rt.under_way.erase(a.call.delivery.id);
      const AttemptRecord rec = Settle(rt, a.call, a.answer);
      // A reconcile asks about an old request, and a look's lookup tells
      // nothing certain: neither says anything about the credentials now.
      if (a.call.kind != CallKind::kReconcile && !IsAuthPause(rec)) {
        AfterProbe(rt, Accepted(rec), rec.ended_at);
      }
      // Before the next call is planned: it must go on the new connector.
      // The channel's last answer of the batch: it may be let go here.
      if (rt.in_flight == 0) BetweenCalls(rt);
    }
  });
  AfterAttempt();
}

}  // namespace loa
