// The attempt pipeline (queue/attempt.h): how the engine starts a connector
// call of any kind, hands it to the channel's worker, and settles what comes
// back.
#include <chrono>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "queue/engine.h"
#include "queue/engine_runtime.h"

namespace loa {

namespace {

using std::chrono::duration_cast;
using std::chrono::steady_clock;

// The same request shape serves publishing, reconciling and takedowns; the
// item must outlive it (callers keep it in a shared_ptr for the worker).
PublishRequest RequestFor(const Call& call, const Item& item, const fs::path& media_root) {
  const Delivery& d = call.delivery;
  PublishRequest request;
  request.item = &item;
  request.channel = d.channel;
  request.due_at = d.due_at;
  request.media_dir = media_root / item.id;
  if (call.kind == CallKind::kTakedown) {
    request.attempt = d.retract_attempts + 1;
  } else {
    request.attempt = d.attempts;
    // Continues the call the channel answered "pending" (also after a crash
    // cut it short: the reconcile asks about that call).
    request.resume_token = d.resume_token;
  }
  return request;
}

// A store error that trying again cannot cure: the item is gone or cannot be
// read back. Anything else (busy, full, I/O) may pass.
bool Lasting(Error::Code code) {
  return code == Error::Code::kNotFound || code == Error::Code::kCorruption ||
         code == Error::Code::kInvalid;
}

const char* CallName(CallKind kind) {
  switch (kind) {
    case CallKind::kPublish:
      return "delivery";
    case CallKind::kTakedown:
      return "takedown";
    case CallKind::kReconcile:
      return "reconcile";
  }
  return "call";
}

}  // namespace

bool Engine::StartCall(ChannelRuntime& rt, CallKind kind, const Delivery& due, TimePoint now,
                       int look) {
  // The item first, as the revision the delivery carries (a retry resends
  // what went out, not a correction that came meanwhile): a read the store
  // refuses leaves everything as it is, and the store timer tries again.
  Result<Item> item = store_.GetPostRevisionItem(due.post_id, due.revision);
  if (!item.ok() && item.code() == Error::Code::kNotFound) item = store_.GetPost(due.post_id);
  if (!item.ok() && !Lasting(item.code())) {
    store_refused_ = true;
    LogError("cannot start the " + std::string(CallName(kind)) + " of " + AttemptLabel(due) + ": " +
             item.error() + "; trying again shortly");
    return false;
  }
  Call call{kind, due, now, look};
  if (kind == CallKind::kPublish) {
    // `sending` is on disk before the request leaves: after a crash we know
    // this delivery may have gone out.
    Result<Delivery> begun = store_.BeginAttempt(due.id, now);
    if (!begun.ok()) {
      // Nothing left: it is still scheduled, and goes once the store takes it.
      store_refused_ = true;
      LogError("cannot start delivery of " + AttemptLabel(due) + ": " + begun.error() +
               "; trying again shortly");
      return false;
    }
    call.delivery = std::move(begun).value();
  } else if (kind == CallKind::kReconcile && look == 0) {
    // The interrupted try started when `sending` was committed.
    call.started = due.updated_at;
  }
  // No `sending`-like state before a takedown: it is safe to repeat (the
  // platform answers "already gone"), so one cut short by a crash is simply
  // tried again, as it is still pending.
  if (!item.ok()) {
    Settle(rt, call, UnloadableItem(kind, item.error()));
    return true;
  }
  auto shared_item = std::make_shared<const Item>(std::move(item).value());
  Submit(rt, call, shared_item, RequestFor(call, *shared_item, config_->MediaDir()));
  return true;
}

void Engine::Submit(ChannelRuntime& rt, const Call& call, std::shared_ptr<const Item> item,
                    const PublishRequest& request) {
  ++rt.in_flight;
  rt.under_way.insert(call.delivery.id);
  // A reconcile asks about a request made before the restart; a look again
  // is a request of its own, spaced like any other.
  const bool request_now = call.kind != CallKind::kReconcile || call.look > 0;
  if (request_now) rt.last_request = clock_.Steady();
  const auto sent = steady_clock::now();
  auto job = [this, &rt, alive = std::weak_ptr<bool>(alive_), connector = rt.connector,
              item = std::move(item), request, call, sent, request_now]() -> std::function<void()> {
    Answer answer;
    switch (call.kind) {
      case CallKind::kPublish:
        answer.outcome = connector->Publish(request);
        break;
      case CallKind::kTakedown:
        answer.outcome = connector->Retract(request, call.delivery.remote_id);
        break;
      case CallKind::kReconcile:
        answer.reconciliation = connector->Reconcile(request);
        break;
    }
    // Latency is a duration: measured on the steady clock so that a wall
    // clock step during the call cannot make it negative. A reconcile's
    // request was the one before the restart: its latency is unknown (0).
    if (request_now) {
      answer.latency = duration_cast<Millis>(steady_clock::now() - sent);
    }
    return WhileAlive(
        alive, [this, &rt, call, answer = std::move(answer)] { OnAnswer(rt, call, answer); });
  };
  if (call.kind != CallKind::kPublish) {
    // Nothing of the store's precedes a takedown or a lookup.
    rt.worker.Submit(std::move(job));
    return;
  }
  // The request leaves once its `sending` is durable (InGroup).
  AfterGroupCommit({[&rt, job] { rt.worker.Submit(job); },
                    [this, &rt, id = call.delivery.id](const std::string&) {
                      // Its `sending` is undone: it is scheduled again.
                      --rt.in_flight;
                      rt.under_way.erase(id);
                    }});
}

AttemptRecord Engine::Settle(ChannelRuntime& rt, const Call& call, const Answer& answer) {
  AttemptRecord rec = RecordFor(call, clock_.Now(), answer, rt.config.retry, env_.rng());
  if (IsAuthPause(rec) && call.kind != CallKind::kReconcile) PauseChannel(rt, rec);
  if (rec.error_class == ErrorClass::kRateLimited && rec.next_attempt_at) {
    rt.rate_hold_until =
        std::max(rt.rate_hold_until.value_or(*rec.next_attempt_at), *rec.next_attempt_at);
  } else if (rt.rate_hold_until && rec.ended_at >= *rt.rate_hold_until) {
    rt.rate_hold_until.reset();
  }
  Record(call.delivery, rec);
  return rec;
}

void Engine::PauseChannel(ChannelRuntime& rt, const AttemptRecord& rec) {
  const bool newly = !rt.pause;
  rt.pause = ChannelRuntime::AuthPause{rec.error, rec.ended_at + kAuthProbeInterval};
  if (newly) {
    LogError("channel " + rt.config.name + " paused: " + rec.error +
             "; an admin must re-authorise (see README); queued items wait, and one is tried "
             "every " +
             FormatDuration(kAuthProbeInterval));
    EngineEvent event;
    event.kind = EngineEvent::Kind::kChannelPaused;
    event.channel = rt.config.name;
    event.message = rec.error;
    Emit(event);
  }
}

void Engine::AfterProbe(ChannelRuntime& rt, bool accepted, TimePoint now) {
  if (!rt.pause) return;
  if (accepted) {
    rt.pause.reset();
    LogInfo("channel " + rt.config.name + " resumed: its credentials work again");
    EngineEvent event;
    event.kind = EngineEvent::Kind::kChannelResumed;
    event.channel = rt.config.name;
    Emit(event);
    return;
  }
  // Another kind of failure says nothing about the credentials: stay paused
  // rather than send the whole queue into an unknown state.
  rt.pause->probe_at = now + kAuthProbeInterval;
}

void Engine::ReconcileSending() {
  Result<std::vector<Delivery>> sending = store_.InState(DeliveryState::kSending);
  if (!sending.ok()) {
    // Nothing is sent before the interrupted deliveries are known: one of
    // them may hold its channel's last request.
    LogError("queue database: " + sending.error() +
             "; deliveries interrupted by the last stop are looked for again shortly");
    return;
  }
  const TimePoint now = clock_.Now();
  for (const Delivery& d : *sending) {
    // Started once already (this is a second look after a store refusal).
    if (reconcile_started_.count(d.id)) continue;
    auto it = channels_.find(d.channel);
    if (it == channels_.end() || it->second->removed) {
      LogWarning("delivery of " + AttemptLabel(d) +
                 " was interrupted, but the channel has no connector: left in sending");
      reconcile_started_.insert(d.id);
      continue;
    }
    // The store refused: the rest waits for the store timer.
    if (!StartCall(*it->second, CallKind::kReconcile, d, now)) return;
    reconcile_started_.insert(d.id);
  }
  reconciled_ = true;
}

}  // namespace loa
