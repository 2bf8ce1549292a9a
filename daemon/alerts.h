// Alerts: what a person must hear about (README "Alerts"), sent to the
// config's "alerts" command and/or webhook instead of only the journal.
//
// Events: a delivery failed, a delivery left uncertain, a delivery missed,
// a channel paused for its credentials (and resumed), a credential
// expiring within token_warning, an item rejected at ingest. Each event is
// alerted at most once: attempt rows by their seq, pauses by channel and
// pause, expiries by channel and expiry date (remembered in
// state_dir/alerts-sent.json, so a restart does not repeat them),
// rejections by the file's place in rejected/.
//
// Sending never holds up publishing: the io thread only queues an alert
// (bounded; when full the oldest is dropped with a loud log line) and one
// thread of its own runs the command and posts to the webhook, retrying a
// failure with backoff. Every alert is logged when it is raised.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "base/url.h"
#include "config/config.h"
#include "daemon/ingest.h"
#include "queue/engine_events.h"

namespace loa {

struct AlertOptions {
  size_t queue_capacity = 256;
  // Backoff between tries of one alert (doubling), and how many tries it
  // gets before it is given up with a log line.
  Millis retry_initial = std::chrono::seconds(5);
  Millis retry_max = std::chrono::minutes(10);
  int max_tries = 12;
};

class Alerts {
 public:
  // Reads the webhook's secret (through ReadSecret, as the channels' are)
  // and what was sent before from `config.state_dir`; starts the sending
  // thread. The error names the key ("alerts.webhook.secret_file: ...").
  static Result<std::unique_ptr<Alerts>> Create(const Config& config, const Clock& clock,
                                                AlertOptions options = {});
  // Stops the sending thread (a command under way is killed); alerts still
  // queued are logged as not sent.
  ~Alerts();
  Alerts(const Alerts&) = delete;
  Alerts& operator=(const Alerts&) = delete;

  // A reload changed the alerts section: `old`'s sender is stopped (a
  // command under way is killed and its alert kept), and this one sends
  // what `old` still had queued and remembers what it raised, so nothing is
  // lost or raised twice across the change. On the io thread, before any
  // event reaches this one.
  void TakeOver(std::unique_ptr<Alerts> old);

  // On the io thread; `seq` is the committed attempt row's (0 when unknown).
  void OnEngineEvent(const EngineEvent& event, int64_t seq);
  void OnIngest(const IngestResult& result);
  // Alerts each credential that stops working within token_warning of now,
  // once per channel and expiry date, ever.
  void CheckCredentials(const std::map<std::string, TimePoint>& expiries);

  // For tests and the journal: alerts queued or being sent, sent, given up
  // or dropped.
  struct Counts {
    size_t pending = 0;
    uint64_t sent = 0;
    uint64_t failed_tries = 0;
    uint64_t given_up = 0;
    uint64_t dropped = 0;
  };
  Counts counts() const;

 private:
  struct Queued {
    std::string key;
    std::string event;
    std::string body;  // the JSON sent, built once
    bool persist = false;
    bool command_done = false;
    bool webhook_done = false;
    int tries = 0;
    std::chrono::steady_clock::time_point not_before{};
  };

  Alerts(const Config& config, const Clock& clock, AlertOptions options, std::string secret);
  // Logs the alert and queues it, unless its key was seen.
  void Raise(const std::string& key, nlohmann::json alert, bool persist);
  void Run();
  // One try at every destination still owed; true when all took it.
  bool Deliver(Queued& q);
  Status PostWebhook(const Queued& q);
  void LoadSent();
  void SaveSentLocked();

  const AlertsConfig config_;
  const fs::path sent_path_;
  const Clock& clock_;
  const AlertOptions options_;
  const std::string secret_;
  std::optional<Url> webhook_url_;

  // Keys raised in this run (bounded) and keys of persisted alerts sent in
  // any run; touched on the io thread, persisted ones also by the sender.
  std::set<std::string> seen_;
  std::deque<std::string> seen_order_;
  std::map<std::string, std::string> paused_key_;  // channel -> key of its open pause
  uint64_t pause_count_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool busy_ = false;                      // the sender holds one alert out of the queue
  std::map<std::string, TimePoint> sent_;  // persisted keys -> when sent
  Counts counts_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace loa
