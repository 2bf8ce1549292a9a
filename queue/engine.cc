#include "queue/engine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
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
// When the store refused a write or a read (its lock held by another
// process, a full disk), the engine tries again after this, doubling up to
// kStoreRetryMax: soon enough that an outcome lands right after the fault
// clears, rarely enough that a long fault costs nothing. Each try waits at
// most the store's busy timeout (queue/store.cc), so the event loop is
// never held for long.
constexpr Millis kStoreRetryFirst = std::chrono::milliseconds(100);
constexpr Millis kStoreRetryMax = std::chrono::seconds(5);
// A held outcome still refused is logged again every this many tries (about
// once a minute at kStoreRetryMax).
constexpr int kHeldLogEvery = 12;
// A wall clock that moved this much more (or less) than the steady clock
// between two wakes was set: logged with what it does to due items.
constexpr Millis kClockJumpThreshold = std::chrono::minutes(1);
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

// Names an outcome in the lines about committing it.
std::string RecordLabel(const Delivery& d, const AttemptRecord& rec) {
  const std::string what = AttemptLabel(d) + " (" + rec.outcome + ")";
  if (IsTakedown(rec)) return "takedown try " + std::to_string(rec.number) + " of " + what;
  if (rec.outcome == "missed" || rec.outcome == "cancelled") return "the decision on " + what;
  return "attempt " + std::to_string(rec.number) + " of " + what;
}

// What the next start does with an outcome that could not be recorded.
std::string NextStartDoes(const AttemptRecord& rec) {
  if (IsTakedown(rec)) {
    return "the delivery stays published with its takedown pending, tried again at the next start";
  }
  if (rec.outcome == "missed" || rec.outcome == "cancelled") {
    return "the delivery stays scheduled and is decided again at the next start";
  }
  return "the delivery stays `sending`, and the reconcile at the next start asks the channel "
         "whether it went out";
}

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
  // When the channel's last request started, on the steady clock:
  // min_interval counts from it, whatever the wall clock does. Loaded from
  // the store before the first plan (see LastRequestStart).
  std::optional<SteadyPoint> last_request;
  bool last_request_loaded = false;
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
      store_timer_(io),
      store_backoff_(kStoreRetryFirst),
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
  ReconcileSending();
  Wake();
}

void Engine::Wake() {
  const TimePoint now = clock_.Now();
  store_refused_ = false;
  CheckWallClock(now);
  if (log_behind_) CatchUpLog();
  DispatchDue(now);
  ArmTimer(now);
  if (store_refused_ || !held_.empty() || !reconciled_) {
    ArmStoreRetry();
  } else {
    store_backoff_ = kStoreRetryFirst;
  }
}

size_t Engine::HeldOutcomes() const { return held_.size(); }

bool Engine::Busy(const ChannelRuntime& rt) const {
  if (rt.in_flight > 0) return true;
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
  int due_between = 0, out_between = 0, missed = 0;
  for (const Delivery& d : store_.ListDeliveries()) {
    if (d.state == DeliveryState::kScheduled) {
      const TimePoint due = d.EffectiveDue();
      if (due > from && due <= to) ++due_between;
      if (jump > Millis(0) && IsMissed(d, now, config_.max_lateness) &&
          !IsMissed(d, expected, config_.max_lateness)) {
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
  if (stopping_ || !reconciled_) return;
  for (auto& [name, rt] : channels_) {
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
    // Nothing left: it is still scheduled, and goes once the store takes it.
    store_refused_ = true;
    LogError("cannot start delivery of " + AttemptLabel(due) + ": " + begun.error() +
             "; trying again shortly");
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
  rt.last_request = clock_.Steady();
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
    case Outcome::Kind::kRetracted:  // not an answer to a publish
    case Outcome::Kind::kPending:
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
    Record(due, rec);
    return;
  }
  // No `sending`-like state first: a takedown is safe to repeat (the
  // platform answers "already gone"), so one cut short by a crash is simply
  // tried again, as it is still pending.
  auto shared_item = std::make_shared<const Item>(std::move(item).value());
  const PublishRequest request =
      RequestFor(due, *shared_item, config_.MediaDir(), due.retract_attempts + 1);

  ++rt.in_flight;
  rt.last_request = clock_.Steady();
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
    case Outcome::Kind::kRetracted:
      rec.outcome = "retracted";
      rec.new_state = DeliveryState::kRetracted;
      rec.error = outcome.message;
      break;
    case Outcome::Kind::kPublished:  // not an answer to a takedown
    case Outcome::Kind::kPending:
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
  Record(d, rec);
  if (!auth) AfterProbe(rt, outcome.kind == Outcome::Kind::kRetracted, rec.ended_at);
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
  Result<std::vector<Delivery>> sending = store_.InState(DeliveryState::kSending);
  if (!sending.ok()) {
    // Nothing is sent before the interrupted deliveries are known: one of
    // them may hold its channel's last request.
    LogError("queue database: " + sending.error() +
             "; deliveries interrupted by the last stop are looked for again shortly");
    return;
  }
  reconciled_ = true;
  for (const Delivery& d : *sending) {
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

Status Engine::Commit(const AttemptRecord& rec) {
  return IsTakedown(rec) ? store_.FinishRetract(rec) : store_.FinishAttempt(rec);
}

bool Engine::Record(const Delivery& d, const AttemptRecord& rec) {
  Status committed = Commit(rec);
  if (!committed.ok()) {
    store_refused_ = true;
    Hold(d, rec, committed.error());
    return false;
  }
  AfterCommit(d, rec);
  return true;
}

void Engine::AfterCommit(const Delivery& d, const AttemptRecord& rec) {
  // Only after the commit: a line in deliveries.jsonl is a promise that the
  // store agrees. The line comes from the committed row.
  CatchUpLog();
  if (IsTakedown(rec)) {
    LogTakedownLine(d, rec);
  } else {
    LogHumanLine(d, rec);
  }
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
    Status committed = Commit(held.record);
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
    if (store_refused_ || Busy(*rt)) continue;
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
  LogInfo("stopping: waiting up to " + FormatDuration(config_.shutdown_timeout) + " for " +
          std::to_string(InFlight()) + " connector call(s) under way");
  stop_timer_ = std::make_unique<asio::steady_timer>(io_, config_.shutdown_timeout);
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
