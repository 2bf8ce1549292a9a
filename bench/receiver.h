// The webhook endpoint the benchmark's channels point at: real HTTP on
// 127.0.0.1, the webhook contract's wire format (X-Loa-Signature checked
// with the shared secret, Idempotency-Key required), an answer delay the
// scenario sets (0 ms, 50 ms), and for every accepted request the time it
// arrived beside the due time its payload carries (`publish_at`).
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace loa::bench {

using WallTime = std::chrono::system_clock::time_point;

class Receiver {
 public:
  struct Arrival {
    std::string key;  // Idempotency-Key: "<item id>:<channel>"
    WallTime due;     // the payload's publish_at
    WallTime at;      // when the request arrived
  };

  // Listens on a free loopback port; `threads` bounds the requests served
  // at once (cpp-httplib keeps one thread per open connection).
  Receiver(std::string secret, int threads);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::string url() const;
  void SetDelay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }

  // Forgets what arrived (between scenarios on the same receiver).
  void Clear();
  // Distinct keys accepted so far; a repeated key counts once.
  size_t Accepted() const;
  std::vector<Arrival> Arrivals() const;
  // Requests refused: a bad signature or body. A truthful run has none.
  size_t Refused() const { return refused_; }
  size_t Repeats() const { return repeats_; }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::string secret_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> delay_ms_{0};
  std::atomic<size_t> refused_{0};
  std::atomic<size_t> repeats_{0};
  mutable std::mutex mu_;
  std::vector<Arrival> arrivals_;
  std::vector<std::string> keys_;  // sorted, for repeats
};

}  // namespace loa::bench
