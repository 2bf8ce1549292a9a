#include "queue/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "queue/engine_runtime.h"
#include "queue/retry.h"
#include "queue/scheduler.h"

namespace loa {

namespace {

using std::chrono::duration_cast;

// The steady timer does not see the wall clock being set (an NTP step, an
// operator fixing the date), while due times are wall-clock times: waking at
// least once a minute bounds how late such a jump can make a delivery.
constexpr Millis kMaxTimerWait = std::chrono::seconds(60);
// A wall clock that moved this much more (or less) than the steady clock
// between two wakes was set: logged with what it does to due items.
constexpr Millis kClockJumpThreshold = std::chrono::minutes(1);
// How long the destructor still waits for connector calls under way (after
// Stop() already waited up to shutdown_timeout for them).
constexpr Millis kWorkerGrace = std::chrono::seconds(2);

// "1h02m", "5m30s", "45s": the size of a clock jump, without its sign.
std::string JumpSize(Millis d) {
  const long long s =
      std::chrono::duration_cast<std::chrono::seconds>(d < Millis(0) ? -d : d).count();
  char text[48];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  } else if (s >= 60) {
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%llds", s);
  }
  return text;
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

}  // namespace

Engine::Engine(asio::io_context& io, std::shared_ptr<const Config> config, Store& store,
               DeliveryLog& log, Env& env,
               std::map<std::string, std::unique_ptr<Connector>> connectors)
    : io_(io),
      config_(std::move(config)),
      store_(store),
      log_(log),
      env_(env),
      clock_(env.clock()),
      timer_(io),
      store_timer_(io),
      store_backoff_(kStoreRetryFirst),
      alive_(std::make_shared<bool>(true)) {
  for (const auto& [name, channel] : config_->channels) {
    auto it = connectors.find(name);
    if (it == connectors.end() || !it->second) {
      LogWarning("channel " + name + " has no connector: its deliveries stay scheduled");
      continue;
    }
    channels_.emplace(name, std::make_unique<ChannelRuntime>(io, channel, std::move(it->second)));
  }
  for (const auto& [name, connector] : connectors) {
    if (!config_->channels.count(name)) {
      LogWarning("connector for unknown channel " + name + " ignored");
    }
  }
}

Engine::~Engine() {
  alive_.reset();
  timer_.cancel();
  store_timer_.cancel();
  if (!held_.empty()) ReportHeldAtStop();
  if (stop_timer_) stop_timer_->cancel();
  // Let every worker wind down at once, so hung channels cost one grace
  // period in total, not one each.
  for (auto& [name, rt] : channels_) rt->worker.RequestStop(kWorkerGrace);
  channels_.clear();
}

void Engine::Start() {
  // Lines lost to a crash between a commit and its append (or to a write
  // that failed) are written first, so the log is whole before it grows.
  if (Result<int> caught = log_.CatchUp(store_); !caught.ok()) {
    log_behind_ = true;
    LogError("delivery log: " + caught.error() + "; the missing lines are written later");
  } else if (*caught > 0) {
    LogWarning("delivery log: wrote " + std::to_string(*caught) +
               " line(s) it lacked (attempts committed before the last stop without their line)");
  }
  looks_from_ = clock_.Now();
  ReconcileSending();
  Wake();
}

void Engine::Wake() {
  const TimePoint now = clock_.Now();
  store_refused_ = false;
  CheckWallClock(now);
  if (log_behind_) CatchUpLog();
  InGroup([&] { DispatchDue(now); });
  ArmTimer(now);
  if (store_refused_ || !held_.empty() || !reconciled_) {
    ArmStoreRetry();
  } else {
    store_backoff_ = kStoreRetryFirst;
  }
}

size_t Engine::HeldOutcomes() const { return held_.size(); }

bool Engine::Busy(const ChannelRuntime& rt) const {
  if (rt.in_flight >= std::max(1, rt.config.concurrency)) return true;
  // While paused, one probe at a time; a connector waiting to take over
  // (a reload) takes over once the calls under way are settled.
  if (rt.in_flight > 0 && (rt.pause || rt.next_connector || rt.removed)) return true;
  // An outcome not yet committed: its delivery is still `sending` (or
  // scheduled) in the store, so the channel's next call would send it again
  // or overtake it.
  return std::any_of(held_.begin(), held_.end(),
                     [&](const HeldRecord& h) { return h.delivery.channel == rt.config.name; });
}

std::optional<TimePoint> Engine::LastRequestStart(ChannelRuntime& rt, TimePoint now, bool& failed) {
  if (!rt.last_request_loaded) {
    // Before this process sends on the channel, the stored start of its last
    // attempt is all there is. It is read once and carried over to the
    // steady clock, so that from here on only elapsed time counts. A start
    // in the future was written by a clock that ran fast: taken as now, so
    // the channel waits at most min_interval from now.
    Result<std::optional<TimePoint>> stored = store_.LastAttemptStart(rt.config.name);
    if (!stored.ok()) {
      failed = true;
      LogError("queue database: " + stored.error() + "; trying again shortly");
      return std::nullopt;
    }
    rt.last_request_loaded = true;
    if (*stored) rt.last_request = clock_.Steady() - (now - std::min(**stored, now));
  }
  if (!rt.last_request) return std::nullopt;
  // Expressed on today's wall clock: a clock set back or forward since
  // changes nothing about how long ago the request left.
  const Millis since = std::max(Millis(0), clock_.Steady() - *rt.last_request);
  return now - since;
}

void Engine::CheckWallClock(TimePoint now) {
  const SteadyPoint steady = clock_.Steady();
  if (!last_check_) {
    last_check_ = {now, steady};
    return;
  }
  const Millis wall_moved = now - last_check_->first;
  const Millis steady_moved = steady - last_check_->second;
  const TimePoint expected = last_check_->first + steady_moved;
  last_check_ = {now, steady};
  const Millis jump = wall_moved - steady_moved;
  if (jump < kClockJumpThreshold && jump > -kClockJumpThreshold) return;

  // What the jump does to the queue: due times are wall-clock times.
  const TimePoint from = std::min(expected, now);
  const TimePoint to = std::max(expected, now);
  Result<std::vector<Delivery>> deliveries = store_.ListDeliveries();
  if (!deliveries.ok()) {
    LogWarning("wall clock jumped " + std::string(jump < Millis(0) ? "back " : "forward ") +
               JumpSize(jump) + " (now " + FormatUtc(now, false) +
               "); what it does to the queue is unknown: " + deliveries.error());
    return;
  }
  int due_between = 0, out_between = 0, missed = 0;
  for (const Delivery& d : *deliveries) {
    if (d.state == DeliveryState::kScheduled) {
      const TimePoint due = d.EffectiveDue();
      if (due > from && due <= to) ++due_between;
      if (jump > Millis(0) && IsMissed(d, now, config_->max_lateness) &&
          !IsMissed(d, expected, config_->max_lateness)) {
        ++missed;
      }
    } else if (d.due_at > from && d.due_at <= to && d.state != DeliveryState::kCancelled) {
      ++out_between;
    }
  }
  const std::string span = FormatUtc(from, false) + " and " + FormatUtc(to, false);
  if (jump < Millis(0)) {
    LogWarning("wall clock jumped back " + JumpSize(jump) + " (now " + FormatUtc(now, false) +
               "): " + std::to_string(out_between) + " deliveries due between " + span +
               " were already handled and are not resent; " + std::to_string(due_between) +
               " scheduled ones due then wait until their due time comes again; spacing "
               "(min_interval) keeps counting on the steady clock");
  } else {
    LogWarning("wall clock jumped forward " + JumpSize(jump) + " (now " + FormatUtc(now, false) +
               "): " + std::to_string(due_between) + " deliveries due between " + span +
               " are now due (" + std::to_string(missed) +
               " now later than max_lateness will be marked missed)");
  }
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
    if (rt->pause && !rt->removed) paused.emplace(name, rt->pause->message);
  }
  return paused;
}

Engine::NextCall Engine::PlanNext(ChannelRuntime& rt, TimePoint now) {
  const std::string& name = rt.config.name;
  NextCall next;
  bool failed = false;
  const std::optional<TimePoint> last = LastRequestStart(rt, now, failed);
  if (failed) {
    // Unknown is not "nothing due": the caller retries on the store timer.
    next.failed = true;
    return next;
  }
  Result<std::optional<Delivery>> takedown = store_.NextRetract(name);
  if (!takedown.ok()) {
    LogError("queue database: " + takedown.error() + "; trying again shortly");
    next.failed = true;
    return next;
  }
  if (*takedown) {
    next.at = EarliestTakedownTime(**takedown, rt.config, last);
    next.delivery = std::move(*takedown);
    next.retract = true;
  }
  // A takedown that may go now goes before any publishing.
  if (!next.delivery || next.at > now) {
    Result<std::optional<Delivery>> scheduled = store_.NextScheduled(name);
    if (!scheduled.ok()) {
      LogError("queue database: " + scheduled.error() + "; trying again shortly");
      next = NextCall{};
      next.failed = true;
      return next;
    }
    if (std::optional<Delivery>& due = *scheduled) {
      // A missed delivery is settled at once, without a request.
      const TimePoint at = IsMissed(*due, now, config_->max_lateness)
                               ? now
                               : EarliestSendTime(*due, rt.config, last, now, config_->timezone);
      if (!next.delivery || at < next.at) {
        next.due = due->EffectiveDue();
        next.delivery = std::move(due);
        next.retract = false;
        next.at = at;
      }
    }
  }
  // A look again (queue/engine_relook.cc) goes after a takedown that may go
  // now; against publishing, whichever may go first, and at the same time,
  // whichever was due first.
  if (!next.retract || next.at > now) {
    bool look_failed = false;
    std::optional<NextCall> look = PlanLook(rt, last, look_failed);
    if (look_failed) {
      next = NextCall{};
      next.failed = true;
      return next;
    }
    if (look && (!next.delivery || look->at < next.at ||
                 (look->at == next.at && !next.retract && look->due < next.due))) {
      next = std::move(*look);
    }
  }
  if (next.delivery && rt.pause) next.at = std::max(next.at, rt.pause->probe_at);
  if (next.delivery && rt.rate_hold_until) next.at = std::max(next.at, *rt.rate_hold_until);
  return next;
}

void Engine::DispatchDue(TimePoint now) {
  if (stopping_ || !reconciled_) return;
  for (auto& [name, rt] : channels_) {
    if (rt->removed) continue;
    // Missed deliveries are settled on the spot, so keep looking behind
    // them. After one refused store call, the rest waits for the store
    // timer: each refusal may have cost a busy timeout.
    while (!store_refused_ && !Busy(*rt)) {
      NextCall next = PlanNext(*rt, now);
      if (next.failed) {
        store_refused_ = true;
        break;
      }
      if (!next.delivery || next.at > now) break;
      const Delivery& due = *next.delivery;
      // A takedown or a look may be about a delivery whose call is under
      // way (neither has a state of its own in the store): it waits until
      // the channel has nothing under way.
      if ((next.retract || next.look) && rt->in_flight > 0) break;
      if (next.retract) {
        StartCall(*rt, CallKind::kTakedown, due, now);
        break;
      }
      if (next.look) {
        StartLook(*rt, due, now);
        break;
      }
      if (IsMissed(due, now, config_->max_lateness)) {
        // A decision without a request: a row like a try's, started and
        // ended now.
        AttemptRecord rec;
        rec.delivery_id = due.id;
        rec.number = due.attempts;
        rec.started_at = now;
        rec.ended_at = now;
        rec.outcome = AttemptOutcome::kMissed;
        rec.error = "missed: due " + FormatUtc(due.due_at, false) + ", more than max_lateness (" +
                    FormatDuration(config_->max_lateness) + ") late";
        if (!Record(due, rec)) break;
        continue;
      }
      // `sending` is committed before the call leaves, so the next plan
      // sees the next delivery; min_interval and the concurrency stop the
      // loop.
      if (!StartCall(*rt, CallKind::kPublish, due, now)) break;
    }
  }
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
    // A busy channel is woken by its outcome (or by the store timer).
    if (rt->removed || store_refused_ || Busy(*rt)) continue;
    NextCall next = PlanNext(*rt, now);
    if (next.failed) store_refused_ = true;
    if (!next.delivery) continue;
    if (!target || next.at < *target) target = next.at;
  }
  next_wake_ = target;
  // Even with nothing due, wake once a minute to notice a wall-clock jump.
  Millis delay = kMaxTimerWait;
  if (target) {
    // DispatchDue(now) took everything due by `now`; a target not after it
    // means the store refused the change, and the store timer tries again.
    if (*target <= now) {
      store_refused_ = true;
    } else {
      delay = std::max(Millis(0), duration_cast<Millis>(*target - clock_.Now()));
    }
  }
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
  LogInfo("stopping: waiting up to " + FormatDuration(config_->shutdown_timeout) + " for " +
          std::to_string(InFlight()) + " connector call(s) under way");
  stop_timer_ = std::make_unique<asio::steady_timer>(io_, config_->shutdown_timeout);
  stop_timer_->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !stop_done_) return;
        LogWarning(std::to_string(InFlight()) +
                   " connector call(s) still running after shutdown_timeout: they stay "
                   "`sending` and are reconciled at the next start");
        store_timer_.cancel();
        if (!held_.empty()) ReportHeldAtStop();
        auto finish = std::exchange(stop_done_, nullptr);
        finish();
      });
}

void Engine::MaybeFinishStop() {
  if (!stop_done_ || InFlight() > 0) return;
  if (stop_timer_) stop_timer_->cancel();
  store_timer_.cancel();
  if (!held_.empty()) ReportHeldAtStop();
  auto finish = std::exchange(stop_done_, nullptr);
  finish();
}

}  // namespace loa
