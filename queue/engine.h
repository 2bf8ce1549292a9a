// The engine owns time, retries, backoff, spacing, windows and persistence.
// It runs on one io_context thread (the only thread touching the store);
// each channel has its own worker thread for blocking connector calls, so a
// slow channel never holds back another.
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

  // Number of attempts under way (for tests and the health line).
  int InFlight() const;
  // When the timer is armed for (no value when nothing is scheduled).
  std::optional<TimePoint> NextWake() const;

 private:
  struct ChannelRuntime;
  // `now` is read once per wake so that dispatching and arming the timer
  // agree on what is due.
  void DispatchDue(TimePoint now);
  void ArmTimer(TimePoint now);
  void StartAttempt(ChannelRuntime& rt, const Delivery& due, TimePoint now);
  void OnOutcome(ChannelRuntime& rt, const Delivery& d, TimePoint started, Millis latency,
                 const Outcome& outcome);
  void ReconcileSending();
  void OnReconciled(ChannelRuntime& rt, const Delivery& d, const Reconciliation& r);
  // Commits the attempt, then appends its deliveries.jsonl line, then logs a
  // human line. False when the store refused it.
  bool Record(const Delivery& d, const AttemptRecord& rec);
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
