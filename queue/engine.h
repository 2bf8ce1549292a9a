// The engine owns time, retries, backoff, spacing, windows and persistence.
// It runs on one io_context thread (the only thread touching the store);
// each channel has its own worker thread for blocking connector calls, so a
// slow channel never holds back another.
//
// Takedowns (Store::RequestRetract) are dispatched like deliveries, one call
// at a time per channel and before any publishing that is also due.
//
// Auth pause: Failed(kAuth) from a connector does not fail the delivery (or
// takedown). The try is put back for kAuthProbeInterval and not counted
// against max_attempts, and the channel pauses: nothing else is sent on it
// until the probe time, when the next call due goes as a probe. Success
// resumes the channel; anything else keeps it paused for another interval.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "base/asio.h"
#include "base/clock.h"
#include "config/config.h"
#include "connectors/connector.h"
#include "queue/delivery_log.h"
#include "queue/store.h"

namespace loa {

class Engine {
 public:
  Engine(asio::io_context& io, const Config& config, Store& store, DeliveryLog& log, Clock& clock,
         std::map<std::string, std::unique_ptr<Connector>> connectors);
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

  // How long a channel paused for auth waits before one delivery (or
  // takedown) is tried again as a probe.
  static constexpr Millis kAuthProbeInterval = std::chrono::minutes(15);

  // Number of attempts under way (for tests and the health line).
  int InFlight() const;
  // Channels paused because their credentials failed, with the connector's
  // message. Paused in memory only: a restart tries the channel afresh.
  std::map<std::string, std::string> PausedChannels() const;
  // When the timer is armed for (no value when nothing is scheduled).
  std::optional<TimePoint> NextWake() const;

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
    TimePoint at{};
  };
  NextCall PlanNext(ChannelRuntime& rt, TimePoint now);
  void StartAttempt(ChannelRuntime& rt, const Delivery& due, TimePoint now);
  void OnOutcome(ChannelRuntime& rt, const Delivery& d, TimePoint started, Millis latency,
                 const Outcome& outcome);
  void StartRetract(ChannelRuntime& rt, const Delivery& due, TimePoint now);
  void OnRetractOutcome(ChannelRuntime& rt, const Delivery& d, TimePoint started, Millis latency,
                        const Outcome& outcome);
  // An auth failure: the try is put back for the next probe and the channel
  // pauses (logged once per pause).
  void PauseForAuth(ChannelRuntime& rt, AttemptRecord& rec, const std::string& message);
  // Any answer but a success from a paused channel keeps it paused until the
  // next probe; a success resumes it.
  void AfterProbe(ChannelRuntime& rt, bool succeeded, TimePoint now);
  void ReconcileSending();
  void OnReconciled(ChannelRuntime& rt, const Delivery& d, const Reconciliation& r);
  // Commits the attempt, then appends its deliveries.jsonl line, then logs a
  // human line. False when the store refused it.
  bool Record(const Delivery& d, const AttemptRecord& rec);
  // The same for a takedown try.
  bool RecordRetract(const Delivery& d, const AttemptRecord& rec);
  void AfterAttempt();
  void MaybeFinishStop();

  asio::io_context& io_;
  const Config& config_;
  Store& store_;
  DeliveryLog& log_;
  Clock& clock_;
  std::map<std::string, std::unique_ptr<ChannelRuntime>> channels_;
  asio::steady_timer timer_;
  std::optional<TimePoint> next_wake_;
  std::mt19937_64 rng_;
  bool stopping_ = false;
  std::function<void()> stop_done_;
  std::unique_ptr<asio::steady_timer> stop_timer_;
  // Handlers left in the io_context or returned by a worker after the engine
  // is destroyed see this expire.
  std::shared_ptr<bool> alive_;
};

}  // namespace loa
