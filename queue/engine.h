// The engine owns time, retries, backoff, spacing, windows and persistence.
// It runs on one io_context thread (the only thread touching the store);
// each channel has its own worker thread for blocking connector calls, so a
// slow channel never holds back another.
//
// Takedowns (Store::RequestRetract) are dispatched like deliveries, one call
// at a time per channel and before any publishing that is also due.
//
// Pending: Outcome::Pending from a publish ("accepted, not finished") puts
// the delivery back to scheduled until the come-back time with the resume
// token in the store; the next call carries it. Like an auth pause it does
// not count against max_attempts: the connector bounds its own polls.
//
// Auth pause: Failed(kAuth) from a connector does not fail the delivery (or
// takedown). The try is put back for kAuthProbeInterval and not counted
// against max_attempts, and the channel pauses: nothing else is sent on it
// until the probe time, when the next call due goes as a probe. Success
// resumes the channel; anything else keeps it paused for another interval.
//
// Uncertain: after an `uncertain` outcome the engine looks the delivery up
// again (Connector::Reconcile) 1 min, 5 min, 30 min and 2 h after it: found
// -> published; certainly absent -> scheduled and sent again; still unknown
// -> stays uncertain until the next look, and after the last one it waits
// for the operator (EngineEvent::Kind::kUncertainFinal). The next look's
// time is the delivery's next_attempt_at (queue/engine_relook.cc).
//
// Store faults: an outcome the store refuses (its lock held by another
// process, a full disk) is held in memory and committed again on a timer
// until it lands; meanwhile its channel counts as busy, so the delivery is
// neither sent again nor overtaken. Reads that fail are retried the same way,
// never taken for "nothing due". deliveries.jsonl follows the commits
// (DeliveryLog::CatchUp).
//
// Grouped commits: the outcomes of the answers that came back together
// share one commit (queue/engine_group.cc); a log line still follows its
// outcome's commit. Each `sending` is committed alone, before its request.
//
// Time: due times and windows are wall-clock times, read when used;
// min_interval counts on the steady clock from the channel's last request
// (the stored start of the last attempt only before this process sent one,
// and never later than now). A wall-clock jump is logged.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"
#include "base/env.h"
#include "config/config.h"
#include "contract/connector.h"
#include "queue/attempt.h"
#include "queue/delivery_log.h"
#include "queue/engine_events.h"
#include "queue/store.h"

namespace loa {

class Engine {
 public:
  // The clock and the randomness (retry jitter) come from `env`. The engine
  // shares the config: Reconfigure() replaces it.
  Engine(asio::io_context& io, std::shared_ptr<const Config> config, Store& store, DeliveryLog& log,
         Env& env, std::map<std::string, std::unique_ptr<Connector>> connectors);
  ~Engine();

  // Reconciles deliveries left in `sending` by a crash, then arms the timer.
  void Start();
  // Something changed in the store (new or replaced item): dispatch what is
  // due now and re-arm the timer at the next due time.
  void Wake();
  // Stops starting new attempts; calls `done` on the io thread once in-flight
  // attempts are committed, or after config.shutdown_timeout (those still
  // running stay `sending` and are reconciled at the next start).
  void Stop(std::function<void()> done);

  // A reload (on the io thread): `config` replaces the running one, whose
  // state_dir, inbox and log_dir it must keep (the caller checks). The queue
  // is untouched. Each channel's settings (window, min_interval, retry) take
  // effect at its next plan; its new connector replaces the old one between
  // calls, never during one: a call under way finishes on the connector it
  // started with, and the next call uses the new one. A paused channel tries
  // its next call at once as a probe (the new credentials may be the cure).
  // A channel new in `config` starts; one absent from it takes no more calls
  // (its deliveries stay in the store as they are) and its worker ends once
  // its call under way, if any, is settled. Channels without a connector in
  // `connectors` keep theirs.
  void Reconfigure(std::shared_ptr<const Config> config,
                   std::map<std::string, std::unique_ptr<Connector>> connectors);
  // Channels taking calls (for tests and the reload log line).
  std::vector<std::string> Channels() const;

  // How long a channel paused for auth waits before one delivery (or
  // takedown) is tried again as a probe.
  static constexpr Millis kAuthProbeInterval = loa::kAuthProbeInterval;

  // Where the engine reports committed attempts, pauses and resumptions
  // (queue/engine_events.h). One sink; set before Start().
  void SetEventSink(EngineEventSink sink) { event_sink_ = std::move(sink); }

  // An operator's decisions (loa retry / cancel / reschedule / resolve, through
  // the control server; docs/control-api.md), on the io thread. Each moves
  // the named deliveries in the store with an attempt row marked as the
  // operator's (and its deliveries.jsonl line), then plans again. An empty
  // `channel` means every delivery of the item the action applies to. Returns
  // the deliveries as they are after the change. kNotFound: no such item, or
  // the item has no delivery on `channel`; kInvalid: no delivery is in a state
  // the action applies to (the message names the states it needs).
  Result<std::vector<Delivery>> OperatorRetry(const std::string& post_id,
                                              const std::string& channel);
  Result<std::vector<Delivery>> OperatorCancel(const std::string& post_id,
                                               const std::string& channel);
  Result<std::vector<Delivery>> OperatorReschedule(const std::string& post_id, TimePoint due);
  // For an `uncertain` delivery: the operator looked. `published`: it is there
  // at `url`; otherwise it is not.
  Result<std::vector<Delivery>> OperatorResolve(const std::string& post_id,
                                                const std::string& channel, bool published,
                                                const std::string& url);

  // Number of attempts under way (for tests and the health line).
  int InFlight() const;
  // Channels paused because their credentials failed, with the connector's
  // message. Paused in memory only: a restart tries the channel afresh.
  std::map<std::string, std::string> PausedChannels() const;
  // When the timer is armed for (no value when nothing is scheduled).
  std::optional<TimePoint> NextWake() const;
  // Outcomes the store refused so far, held until it takes them.
  size_t HeldOutcomes() const;

 private:
  struct ChannelRuntime;
  // `now` is read once per wake so that dispatching and arming the timer
  // agree on what is due.
  void DispatchDue(TimePoint now);
  void ArmTimer(TimePoint now);
  // The earliest time the channel may make its next call, and whether that
  // call is a takedown (which goes before publishing), or nothing to do.
  struct NextCall {
    std::optional<Delivery> delivery;
    bool retract = false;
    bool look = false;  // a look again at an uncertain delivery
    TimePoint at{};
    TimePoint due{};      // when it was due, before spacing: the earlier goes first
    bool failed = false;  // the store could not be read: unknown, not idle
  };
  // An outcome (or missed decision) the store refused, until it lands.
  struct HeldRecord {
    Delivery delivery;
    AttemptRecord record;
    int tries = 0;
  };
  NextCall PlanNext(ChannelRuntime& rt, TimePoint now);

  // The attempt pipeline (queue/engine_calls.cc): one way in for every kind
  // of call, one way out. False when the store refused a read or write
  // before anything was sent: nothing changed, and the store timer retries.
  bool StartCall(ChannelRuntime& rt, CallKind kind, const Delivery& due, TimePoint now,
                 int look = 0);
  void Submit(ChannelRuntime& rt, const Call& call, std::shared_ptr<const Item> item,
              const PublishRequest& request);
  // On the io thread, with what the worker brought back: queued, and every
  // answer queued meanwhile is settled with it by SettleAnswers.
  void OnAnswer(ChannelRuntime& rt, const Call& call, const Answer& answer);
  void SettleAnswers();
  // Maps the answer to its attempt row, pauses the channel on an auth
  // failure, records the row; returns the row.
  AttemptRecord Settle(ChannelRuntime& rt, const Call& call, const Answer& answer);
  void PauseChannel(ChannelRuntime& rt, const AttemptRecord& rec);
  // Any answer but an accepted one from a paused channel keeps it paused
  // until the next probe; an accepted one resumes it.
  void AfterProbe(ChannelRuntime& rt, bool accepted, TimePoint now);
  void ReconcileSending();

  // Looking again at uncertain deliveries (queue/engine_relook.cc). The
  // channel's next look, at the earliest time it may go (`last`: its last
  // request), or none; sets `failed` when the store could not say.
  std::optional<NextCall> PlanLook(ChannelRuntime& rt, std::optional<TimePoint> last, bool& failed);
  // When an uncertain delivery without a planned look (one from before loa
  // looked again) is looked at, or none after the last look.
  std::optional<TimePoint> UnplannedLook(const Delivery& d, bool& failed);
  bool StartLook(ChannelRuntime& rt, const Delivery& d, TimePoint now);
  // After a look's row is committed: the last one that found nothing alerts.
  void AfterLook(const Delivery& d, const AttemptRecord& rec);
  // After a channel's last call under way settles: a connector waiting from a
  // reload is put in place, and a removed channel's runtime is let go.
  void BetweenCalls(ChannelRuntime& rt);
  void RetireChannel(const std::string& name);

  // Commits the attempt row, then brings deliveries.jsonl up to date, then
  // logs a human line. False when the store refused it: it is then held and
  // committed again later (queue/held_outcomes.cc).
  bool Record(const Delivery& d, const AttemptRecord& rec);
  void AfterCommit(const Delivery& d, const AttemptRecord& rec);
  void Hold(const Delivery& d, const AttemptRecord& rec, const std::string& error);
  // True (and logged) when the store can never take `held` any more.
  bool Droppable(const HeldRecord& held, const std::string& error);
  void RetryHeld();
  void ArmStoreRetry();
  void OnStoreRetry();
  // At shutdown: one last try, then a loud line for each outcome still held.
  void ReportHeldAtStop();
  // A channel with a call under way or an outcome held starts nothing.
  bool Busy(const ChannelRuntime& rt) const;
  // When the channel's last request started, on today's wall clock; sets
  // `failed` when the store could not say.
  std::optional<TimePoint> LastRequestStart(ChannelRuntime& rt, TimePoint now, bool& failed);
  // Logs a wall-clock jump since the last wake and what it does to due items.
  void CheckWallClock(TimePoint now);
  void CatchUpLog();
  void AfterAttempt();
  // The operator's actions, one way: the store's move, held outcomes of the
  // moved deliveries dropped, each row through AfterCommit, a new plan
  // (queue/engine_operator.cc).
  Result<std::vector<Delivery>> Decide(Store::OperatorDecision decision);
  void MaybeFinishStop();

  // Grouped commits (queue/engine_group.cc). The store writes `body` makes
  // share one commit; what must wait for a write to be durable is passed to
  // AfterGroupCommit, which runs it once the group is committed (at once
  // outside a group) or calls `undone` when the group's commit failed.
  struct GroupAction {
    std::function<void()> committed;
    std::function<void(const std::string& error)> undone;
  };
  void InGroup(const std::function<void()>& body);
  void AfterGroupCommit(GroupAction action);

  void Emit(const EngineEvent& event) const {
    if (event_sink_) event_sink_(event);
  }

  asio::io_context& io_;
  std::shared_ptr<const Config> config_;
  Store& store_;
  DeliveryLog& log_;
  Env& env_;
  Clock& clock_;
  std::map<std::string, std::unique_ptr<ChannelRuntime>> channels_;
  asio::steady_timer timer_;
  std::optional<TimePoint> next_wake_;
  // Store faults: held outcomes, the timer that retries them (and failed
  // reads), its next delay, and whether a store call failed in this wake.
  std::deque<HeldRecord> held_;
  asio::steady_timer store_timer_;
  bool store_timer_armed_ = false;
  Millis store_backoff_;
  bool store_refused_ = false;
  // Deliveries left `sending` have been looked up (a failed read retries),
  // and those whose reconcile was started.
  bool reconciled_ = false;
  std::set<int64_t> reconcile_started_;
  // Uncertain deliveries without a planned look are looked at from start-up
  // on; what their rows said, by delivery id: as of its updated_at, when.
  TimePoint looks_from_{};
  std::map<int64_t, std::pair<TimePoint, std::optional<TimePoint>>> unplanned_looks_;
  // deliveries.jsonl lacks lines the store has (a write failed).
  bool log_behind_ = false;
  // Wall and steady time at the last wake, to notice the wall clock being set.
  std::optional<std::pair<TimePoint, SteadyPoint>> last_check_;
  bool stopping_ = false;
  std::function<void()> stop_done_;
  std::unique_ptr<asio::steady_timer> stop_timer_;
  // Handlers left in the io_context or returned by a worker after the engine
  // is destroyed see this expire.
  std::shared_ptr<bool> alive_;
  EngineEventSink event_sink_;
  // The open group's actions (InGroup), and the answers waiting to be settled
  // together.
  std::vector<GroupAction>* group_ = nullptr;
  struct Answered {
    ChannelRuntime* rt;
    Call call;
    Answer answer;
  };
  std::vector<Answered> answered_;
};

}  // namespace loa
