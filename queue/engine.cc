#include "queue/engine.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "queue/channel_worker.h"
#include "queue/retry.h"
#include "queue/scheduler.h"

namespace loa {

namespace {

using std::chrono::duration_cast;
using std::chrono::steady_clock;

// The steady timer does not see the wall clock being set (an NTP step, an
// operator fixing the date), while due times are wall-clock times: waking at
// least once a minute bounds how late such a jump can make a delivery.
constexpr Millis kMaxTimerWait = std::chrono::seconds(60);
// When the store refused to start or record a due delivery, try again after
// this rather than spin on it.
constexpr Millis kStoreRetryDelay = std::chrono::seconds(1);
// How long the destructor still waits for connector calls under way (after
// Stop() already waited up to shutdown_timeout for them).
constexpr Millis kWorkerGrace = std::chrono::seconds(2);

std::string AttemptLabel(const Delivery& d) { return d.post_id + " on " + d.channel; }

// The attempt row every outcome starts from.
AttemptRecord NewRecord(const Delivery& d, TimePoint started, TimePoint ended) {
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.number = d.attempts;
  rec.started_at = started;
  rec.ended_at = ended;
  return rec;
}

// A takedown try is numbered within its retract request, and whatever its
// outcome the delivery stays published unless the post is gone. Its line in
// deliveries.jsonl names the post that was (or was to be) taken down.
AttemptRecord NewRetractRecord(const Delivery& d, TimePoint started, TimePoint ended) {
  AttemptRecord rec = NewRecord(d, started, ended);
  rec.action = AttemptAction::kRetract;
  rec.number = d.retract_attempts + 1;
  rec.remote_id = d.remote_id;
  rec.remote_url = d.remote_url;
  return rec;
}

bool IsTakedown(const AttemptRecord& rec) { return rec.action == AttemptAction::kRetract; }

// Schedules another try when the policy allows one, else fails for good (a
// takedown that gives up leaves the post published, for a person to remove).
void RetryOrGiveUp(AttemptRecord& rec, const RetryPolicy& policy, Millis delay,
                   const std::string& message) {
  const bool takedown = IsTakedown(rec);
  if (rec.number < policy.max_attempts) {
    rec.outcome = "retry";
    rec.new_state = takedown ? DeliveryState::kPublished : DeliveryState::kScheduled;
    rec.next_attempt_at = rec.ended_at + delay;
    rec.error = message;
  } else {
    rec.outcome = "failed";
    rec.new_state = takedown ? DeliveryState::kPublished : DeliveryState::kFailed;
    rec.error = "gave up after " + std::to_string(rec.number) +
                (takedown ? " takedown tries: " : " attempts: ") + message;
  }
}

// When a pending takedown may be tried: its own due time, spaced by the
// channel's min_interval like any request. The daily window does not apply:
// it says when to publish, and taking a post down must not wait for morning.
TimePoint EarliestTakedownTime(const Delivery& d, const ChannelConfig& channel,
                               std::optional<TimePoint> last_attempt_start) {
  TimePoint t = d.RetractDue();
  if (last_attempt_start) t = std::max(t, *last_attempt_start + channel.min_interval);
  return t;
}

std::string WaitText(const AttemptRecord& rec) {
  Millis wait =
      rec.next_attempt_at ? duration_cast<Millis>(*rec.next_attempt_at - rec.ended_at) : Millis(0);
  return FormatDuration(std::chrono::ceil<std::chrono::seconds>(wait));
}

void LogTakedownLine(const Delivery& d, const AttemptRecord& rec) {
  const std::string what = "takedown of " + AttemptLabel(d);
  const std::string attempt = "try " + std::to_string(rec.number);
  if (rec.outcome == "retracted") {
    std::string where = !rec.remote_url.empty()  ? rec.remote_url
                        : !rec.remote_id.empty() ? "remote id " + rec.remote_id
                                                 : "(no address known)";
    LogInfo("retracted " + AttemptLabel(d) + ": " + where + " is down");
  } else if (rec.outcome == "retry") {
    LogWarning("retry " + what + " in " + WaitText(rec) + " after " + attempt + ": " + rec.error);
  } else {
    LogError(what + " failed (" + attempt + "): " + rec.error +
             "; it stays published: take it down on the platform by hand");
  }
}

void LogHumanLine(const Delivery& d, const AttemptRecord& rec) {
  const std::string what = AttemptLabel(d);
  const std::string attempt = "attempt " + std::to_string(rec.number);
  if (rec.outcome == "published") {
    std::string where = !rec.remote_url.empty()  ? rec.remote_url
                        : !rec.remote_id.empty() ? "remote id " + rec.remote_id
                                                 : "(no address given)";
    std::string note = rec.error.empty() ? "" : " (" + rec.error + ")";
    LogInfo("published " + what + ": " + where + note);
  } else if (rec.outcome == "retry") {
    LogWarning("retry " + what + " in " + WaitText(rec) + " after " + attempt + ": " + rec.error);
  } else if (rec.outcome == "uncertain") {
    LogWarning("uncertain " + what + " after " + attempt +
               ", held for the operator (not resent): " + rec.error);
  } else if (rec.outcome == "missed") {
    LogError(what + ": " + rec.error);
  } else {
    LogError(rec.outcome + " " + what + " (" + attempt + "): " + rec.error);
  }
}

// Wraps an io-thread handler so that it does nothing once the engine is gone.
// `alive` is taken on the io thread: workers never read the engine's members.
template <class F>
std::function<void()> WhileAlive(std::weak_ptr<bool> alive, F f) {
  return [alive = std::move(alive), f = std::move(f)]() mutable {
    if (alive.expired()) return;
    f();
  };
}

// The same request shape serves publishing, reconciling and takedowns; the
// item must outlive it (callers keep it in a shared_ptr for the worker).
PublishRequest RequestFor(const Delivery& d, const Item& item, const fs::path& media_root,
                          int attempt) {
  PublishRequest request;
  request.item = &item;
  request.channel = d.channel;
  request.due_at = d.due_at;
  request.media_dir = media_root / item.id;
  request.attempt = attempt;
  return request;
}

}  // namespace

struct Engine::ChannelRuntime {
  ChannelRuntime(asio::io_context& io, const ChannelConfig& channel,
                 std::unique_ptr<Connector> conn)
      : config(channel), connector(std::move(conn)), worker(io, channel.name) {}

  const ChannelConfig& config;
  // Shared with the worker's jobs: a call given up on at shutdown keeps it alive.
  std::shared_ptr<Connector> connector;
  ChannelWorker worker;
  // Publish, takedown or reconcile calls under way; a channel with one
  // starts no other.
  int in_flight = 0;
  // Set while the channel's credentials are refused: nothing is sent until
  // probe_at, and then one call at a time until one succeeds.
  struct AuthPause {
    std::string message;
    TimePoint probe_at;
  };
  std::optional<AuthPause> pause;
};

Engine::Engine(asio::io_context& io, const Config& config, Store& store, DeliveryLog& log,
               Clock& clock, std::map<std::string, std::unique_ptr<Connector>> connectors)
    : io_(io),
      config_(config),
      store_(store),
      log_(log),
      clock_(clock),
      timer_(io),
      rng_(std::random_device{}()),
      alive_(std::make_shared<bool>(true)) {
  for (const auto& [name, channel] : config.channels) {
    auto it = connectors.find(name);
    if (it == connectors.end() || !it->second) {
      LogWarning("channel " + name + " has no connector: its deliveries stay scheduled");
      continue;
    }
    channels_.emplace(name, std::make_unique<ChannelRuntime>(io, channel, std::move(it->second)));
  }
  for (const auto& [name, connector] : connectors) {
    if (!config.channels.count(name)) {
      LogWarning("connector for unknown channel " + name + " ignored");
    }
  }
}

Engine::~Engine() {
  alive_.reset();
  timer_.cancel();
  if (stop_timer_) stop_timer_->cancel();
  // Let every worker wind down at once, so hung channels cost one grace
  // period in total, not one each.
  for (auto& [name, rt] : channels_) rt->worker.RequestStop(kWorkerGrace);
  channels_.clear();
}

void Engine::Start() {
  ReconcileSending();
  Wake();
}

void Engine::Wake() {
  const TimePoint now = clock_.Now();
  DispatchDue(now);
  ArmTimer(now);
}

int Engine::InFlight() const {
  int n = 0;
  for (const auto& [name, rt] : channels_) n += rt->in_flight;
  return n;
}

std::optional<TimePoint> Engine::NextWake() const { return next_wake_; }

std::map<std::string, std::string> Engine::PausedChannels() const {
  std::map<std::string, std::string> paused;
  for (const auto& [name, rt] : channels_) {
    if (rt->pause) paused.emplace(name, rt->pause->message);
  }
  return paused;
}

Engine::NextCall Engine::PlanNext(ChannelRuntime& rt, TimePoint now) {
  const std::string& name = rt.config.name;
  const std::optional<TimePoint> last = store_.LastAttemptStart(name);
  NextCall next;
  if (std::optional<Delivery> takedown = store_.NextRetract(name)) {
    next.at = EarliestTakedownTime(*takedown, rt.config, last);
    next.delivery = std::move(takedown);
    next.retract = true;
  }
  // A takedown that may go now goes before any publishing.
  if (!next.delivery || next.at > now) {
    if (std::optional<Delivery> due = store_.NextScheduled(name)) {
      // A missed delivery is settled at once, without a request.
      const TimePoint at = IsMissed(*due, now, config_.max_lateness)
                               ? now
                               : EarliestSendTime(*due, rt.config, last, config_.timezone);
      if (!next.delivery || at < next.at) {
        next.delivery = std::move(due);
        next.retract = false;
        next.at = at;
      }
    }
  }
  if (next.delivery && rt.pause) next.at = std::max(next.at, rt.pause->probe_at);
  return next;
}

void Engine::DispatchDue(TimePoint now) {
  if (stopping_) return;
  for (auto& [name, rt] : channels_) {
    // Missed deliveries are settled on the spot, so keep looking behind them.
    while (rt->in_flight == 0) {
      NextCall next = PlanNext(*rt, now);
      if (!next.delivery || next.at > now) break;
      const Delivery& due = *next.delivery;
      if (next.retract) {
        StartRetract(*rt, due, now);
        break;
      }
      if (IsMissed(due, now, config_.max_lateness)) {
        AttemptRecord rec = NewRecord(due, now, now);
        rec.outcome = "missed";
        rec.new_state = DeliveryState::kFailed;
        rec.error = "missed: due " + FormatUtc(due.due_at, false) + ", more than max_lateness (" +
                    FormatDuration(config_.max_lateness) + ") late";
        if (!Record(due, rec)) break;
        continue;
      }
      StartAttempt(*rt, due, now);
      break;
    }
  }
}

void Engine::StartAttempt(ChannelRuntime& rt, const Delivery& due, TimePoint now) {
  // `sending` is on disk before the request leaves: after a crash we know
  // this delivery may have gone out.
  Result<Delivery> begun = store_.BeginAttempt(due.id, now);
  if (!begun.ok()) {
    LogError("cannot start delivery of " + AttemptLabel(due) + ": " + begun.error());
    return;
  }
  const Delivery d = std::move(begun).value();
  Result<Item> item = store_.GetPost(d.post_id);
  if (!item.ok()) {
    AttemptRecord rec = NewRecord(d, now, now);
    rec.outcome = "failed";
    rec.new_state = DeliveryState::kFailed;
    rec.error_class = ErrorClassName(ErrorClass::kPermanent);
    rec.error = "cannot load the item from the store: " + item.error();
    Record(d, rec);
    return;
  }
  auto shared_item = std::make_shared<const Item>(std::move(item).value());
  const PublishRequest request = RequestFor(d, *shared_item, config_.MediaDir(), d.attempts);

  ++rt.in_flight;
  const auto sent = steady_clock::now();
  rt.worker.Submit([this, &rt, alive = std::weak_ptr<bool>(alive_), connector = rt.connector,
                    shared_item, request, d, now, sent]() -> std::function<void()> {
    Outcome outcome = connector->Publish(request);
    // Latency is a duration: measured on the steady clock so that a wall
    // clock step during the call cannot make it negative.
    const Millis latency = duration_cast<Millis>(steady_clock::now() - sent);
    return WhileAlive(alive, [this, &rt, d, now, latency, outcome = std::move(outcome)] {
      OnOutcome(rt, d, now, latency, outcome);
    });
  });
}

void Engine::OnOutcome(ChannelRuntime& rt, const Delivery& d, TimePoint started, Millis latency,
                       const Outcome& outcome) {
  --rt.in_flight;
  AttemptRecord rec = NewRecord(d, started, clock_.Now());
  rec.latency_ms = latency.count();
  rec.http_status = outcome.http_status;
  rec.error_class = ErrorClassName(outcome.error_class);
  bool auth = false;
  switch (outcome.kind) {
    case Outcome::Kind::kPublished:
      rec.outcome = "published";
      rec.new_state = DeliveryState::kPublished;
      rec.remote_id = outcome.remote_id;
      rec.remote_url = outcome.url;
      break;
    case Outcome::Kind::kRetry: {
      const RetryPolicy& policy = rt.config.retry;
      Millis delay = BackoffDelay(policy, d.attempts, outcome.retry_after, rng_);
      RetryOrGiveUp(rec, policy, delay, outcome.message);
      break;
    }
    case Outcome::Kind::kFailed:
      if (outcome.error_class == ErrorClass::kAuth) {
        auth = true;
        PauseForAuth(rt, rec, outcome.message);
        break;
      }
      rec.outcome = "failed";
      rec.new_state = DeliveryState::kFailed;
      rec.error = outcome.message;
      break;
    case Outcome::Kind::kUncertain:
      // The request may have gone out: sending it again could publish it
      // twice, so it waits for a person.
      rec.outcome = "uncertain";
      rec.new_state = DeliveryState::kUncertain;
      rec.error_class = ErrorClassName(ErrorClass::kUncertain);
      rec.error = outcome.message.empty() ? "the answer was lost" : outcome.message;
      break;
  }
  Record(d, rec);
  if (!auth) AfterProbe(rt, outcome.kind == Outcome::Kind::kPublished, rec.ended_at);
  AfterAttempt();
}

void Engine::StartRetract(ChannelRuntime& rt, const Delivery& due, TimePoint now) {
  Result<Item> item = store_.GetPost(due.post_id);
  if (!item.ok()) {
    AttemptRecord rec = NewRetractRecord(due, now, now);
    rec.outcome = "failed";
    rec.new_state = DeliveryState::kPublished;
    rec.error_class = ErrorClassName(ErrorClass::kPermanent);
    rec.error = "cannot load the item from the store: " + item.error();
    RecordRetract(due, rec);
    return;
  }
  // No `sending`-like state first: a takedown is safe to repeat (the
  // platform answers "already gone"), so one cut short by a crash is simply
  // tried again, as it is still pending.
  auto shared_item = std::make_shared<const Item>(std::move(item).value());
  const PublishRequest request =
      RequestFor(due, *shared_item, config_.MediaDir(), due.retract_attempts + 1);

  ++rt.in_flight;
  const auto sent = steady_clock::now();
  rt.worker.Submit([this, &rt, alive = std::weak_ptr<bool>(alive_), connector = rt.connector,
                    shared_item, request, d = due, now, sent]() -> std::function<void()> {
    Outcome outcome = connector->Retract(request, d.remote_id);
    const Millis latency = duration_cast<Millis>(steady_clock::now() - sent);
    return WhileAlive(alive, [this, &rt, d, now, latency, outcome = std::move(outcome)] {
      OnRetractOutcome(rt, d, now, latency, outcome);
    });
  });
}

void Engine::OnRetractOutcome(ChannelRuntime& rt, const Delivery& d, TimePoint started,
                              Millis latency, const Outcome& outcome) {
  --rt.in_flight;
  AttemptRecord rec = NewRetractRecord(d, started, clock_.Now());
  rec.latency_ms = latency.count();
  rec.http_status = outcome.http_status;
  rec.error_class = ErrorClassName(outcome.error_class);
  bool auth = false;
  switch (outcome.kind) {
    case Outcome::Kind::kPublished:
      rec.outcome = "retracted";
      rec.new_state = DeliveryState::kRetracted;
      rec.error = outcome.message;
      break;
    case Outcome::Kind::kRetry:
    case Outcome::Kind::kUncertain: {
      // Unlike a create, a lost answer to a delete is harmless to repeat.
      const RetryPolicy& policy = rt.config.retry;
      Millis delay = BackoffDelay(policy, rec.number, outcome.retry_after, rng_);
      RetryOrGiveUp(rec, policy, delay,
                    outcome.message.empty() ? "the answer was lost" : outcome.message);
      break;
    }
    case Outcome::Kind::kFailed:
      if (outcome.error_class == ErrorClass::kAuth) {
        auth = true;
        PauseForAuth(rt, rec, outcome.message);
        break;
      }
      rec.outcome = "failed";
      rec.new_state = DeliveryState::kPublished;
      rec.error = outcome.message;
      break;
  }
  RecordRetract(d, rec);
  if (!auth) AfterProbe(rt, outcome.kind == Outcome::Kind::kPublished, rec.ended_at);
  AfterAttempt();
}

void Engine::PauseForAuth(ChannelRuntime& rt, AttemptRecord& rec, const std::string& message) {
  const std::string reason =
      message.empty() ? "the platform refused the channel's credentials" : message;
  // Nothing is lost: the try goes back (not counted against max_attempts)
  // and is made again by the first probe that reaches it.
  rec.outcome = "retry";
  rec.new_state = IsTakedown(rec) ? DeliveryState::kPublished : DeliveryState::kScheduled;
  rec.next_attempt_at = rec.ended_at + kAuthProbeInterval;
  rec.error_class = ErrorClassName(ErrorClass::kAuth);
  rec.error = reason;
  const bool newly = !rt.pause;
  rt.pause = ChannelRuntime::AuthPause{reason, rec.ended_at + kAuthProbeInterval};
  if (newly) {
    LogError("channel " + rt.config.name + " paused: " + reason +
             "; an admin must re-authorise (see README); queued items wait, and one is tried "
             "every " +
             FormatDuration(kAuthProbeInterval));
  }
}

void Engine::AfterProbe(ChannelRuntime& rt, bool succeeded, TimePoint now) {
  if (!rt.pause) return;
  if (succeeded) {
    rt.pause.reset();
    LogInfo("channel " + rt.config.name + " resumed: its credentials work again");
    return;
  }
  // Another kind of failure says nothing about the credentials: stay paused
  // rather than send the whole queue into an unknown state.
  rt.pause->probe_at = now + kAuthProbeInterval;
}

void Engine::ReconcileSending() {
  for (const Delivery& d : store_.InState(DeliveryState::kSending)) {
    auto it = channels_.find(d.channel);
    if (it == channels_.end()) {
      LogWarning("delivery of " + AttemptLabel(d) +
                 " was interrupted, but the channel has no connector: left in sending");
      continue;
    }
    ChannelRuntime& rt = *it->second;
    Result<Item> item = store_.GetPost(d.post_id);
    if (!item.ok()) {
      Reconciliation unknown;
      unknown.kind = Reconciliation::Kind::kUnknown;
      unknown.message = "cannot load the item from the store: " + item.error();
      OnReconciled(rt, d, unknown);
      continue;
    }
    auto shared_item = std::make_shared<const Item>(std::move(item).value());
    const PublishRequest request = RequestFor(d, *shared_item, config_.MediaDir(), d.attempts);
    ++rt.in_flight;
    rt.worker.Submit([this, &rt, alive = std::weak_ptr<bool>(alive_), connector = rt.connector,
                      shared_item, request, d]() -> std::function<void()> {
      Reconciliation r = connector->Reconcile(request);
      return WhileAlive(alive, [this, &rt, d, r = std::move(r)] {
        --rt.in_flight;
        OnReconciled(rt, d, r);
        AfterAttempt();
      });
    });
  }
}

void Engine::OnReconciled(ChannelRuntime& rt, const Delivery& d, const Reconciliation& r) {
  // The interrupted try started when `sending` was committed; how long its
  // request took is unknown, hence latency 0.
  AttemptRecord rec = NewRecord(d, d.updated_at, clock_.Now());
  const std::string interrupted = "interrupted by a restart before its outcome was recorded";
  auto with_detail = [&](std::string text) {
    return r.message.empty() ? text : text + ": " + r.message;
  };
  switch (r.kind) {
    case Reconciliation::Kind::kPublished:
      rec.outcome = "published";
      rec.new_state = DeliveryState::kPublished;
      rec.remote_id = r.published.remote_id;
      rec.remote_url = r.published.url;
      rec.http_status = r.published.http_status;
      rec.error = "reconciled after restart";
      break;
    case Reconciliation::Kind::kAbsent: {
      // Certainly not out (or resending is idempotent): a retry due now, or
      // at the connector's not_before (a create still in flight may land
      // until then), so the attempt row and the log line still account for
      // the lost try.
      const Millis wait =
          r.not_before ? std::max(Millis(0), *r.not_before - rec.ended_at) : Millis(0);
      rec.error_class = ErrorClassName(ErrorClass::kTransient);
      RetryOrGiveUp(rec, rt.config.retry, wait,
                    with_detail(interrupted + "; not on the channel, sending again"));
      break;
    }
    case Reconciliation::Kind::kUnknown:
      rec.outcome = "uncertain";
      rec.new_state = DeliveryState::kUncertain;
      rec.error_class = ErrorClassName(ErrorClass::kUncertain);
      rec.error = with_detail(interrupted + "; cannot tell whether it was published");
      break;
  }
  Record(d, rec);
}

bool Engine::Record(const Delivery& d, const AttemptRecord& rec) {
  Status committed = store_.FinishAttempt(rec);
  if (!committed.ok()) {
    LogError("cannot record attempt " + std::to_string(rec.number) + " of " + AttemptLabel(d) +
             " (" + rec.outcome + "): " + committed.error());
    return false;
  }
  // Only after the commit: a line in deliveries.jsonl is a promise that the
  // store agrees.
  Status logged = log_.Append(d.post_id, d.channel, rec);
  if (!logged.ok()) LogError("delivery log: " + logged.error());
  LogHumanLine(d, rec);
  return true;
}

bool Engine::RecordRetract(const Delivery& d, const AttemptRecord& rec) {
  Status committed = store_.FinishRetract(rec);
  if (!committed.ok()) {
    LogError("cannot record takedown try " + std::to_string(rec.number) + " of " + AttemptLabel(d) +
             " (" + rec.outcome + "): " + committed.error());
    return false;
  }
  Status logged = log_.Append(d.post_id, d.channel, rec);
  if (!logged.ok()) LogError("delivery log: " + logged.error());
  LogTakedownLine(d, rec);
  return true;
}

void Engine::AfterAttempt() {
  if (stopping_) {
    MaybeFinishStop();
  } else {
    Wake();
  }
}

void Engine::ArmTimer(TimePoint now) {
  timer_.cancel();
  next_wake_.reset();
  if (stopping_) return;
  std::optional<TimePoint> target;
  for (auto& [name, rt] : channels_) {
    if (rt->in_flight > 0) continue;  // its outcome wakes us
    NextCall next = PlanNext(*rt, now);
    if (!next.delivery) continue;
    if (!target || next.at < *target) target = next.at;
  }
  next_wake_ = target;
  if (!target) return;
  // DispatchDue(now) took everything due by `now`; a target not after it
  // means the store refused the change.
  Millis delay = *target <= now
                     ? kStoreRetryDelay
                     : std::max(Millis(0), duration_cast<Millis>(*target - clock_.Now()));
  delay = std::min(delay, kMaxTimerWait);
  timer_.expires_after(delay);
  timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        Wake();
      });
}

void Engine::Stop(std::function<void()> done) {
  stopping_ = true;
  timer_.cancel();
  next_wake_.reset();
  stop_done_ = std::move(done);
  if (InFlight() == 0) {
    MaybeFinishStop();
    return;
  }
  LogInfo("stopping: waiting up to " + FormatDuration(config_.shutdown_timeout) + " for " +
          std::to_string(InFlight()) + " connector call(s) under way");
  stop_timer_ = std::make_unique<asio::steady_timer>(io_, config_.shutdown_timeout);
  stop_timer_->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !stop_done_) return;
        LogWarning(std::to_string(InFlight()) +
                   " connector call(s) still running after shutdown_timeout: they stay "
                   "`sending` and are reconciled at the next start");
        auto finish = std::exchange(stop_done_, nullptr);
        finish();
      });
}

void Engine::MaybeFinishStop() {
  if (!stop_done_ || InFlight() > 0) return;
  if (stop_timer_) stop_timer_->cancel();
  auto finish = std::exchange(stop_done_, nullptr);
  finish();
}

}  // namespace loa
