// What the in-process platform fakes share: an HTTP server on 127.0.0.1 at a
// free port, served from its own thread (FakeServer); the requests it saw,
// in order (RequestLog); and the faults a test queued for the next matching
// requests (FaultQueue). Each fake keeps its own wire format, records and
// fault kinds; these hold only the scaffolding around them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace loa::fakes {

// A fake derives from FakeServer, sets its routes on server() and calls
// Start() at the end of its constructor; its destructor calls Stop() first,
// so that no handler runs on a half-destroyed fake.
class FakeServer {
 public:
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string base_url() const;

 protected:
  FakeServer() = default;
  ~FakeServer();  // Stop(), should a fake not have

  httplib::Server& server() { return server_; }
  // Binds a free loopback port and returns once the server accepts.
  void Start();
  // Stops accepting, lets running handlers finish and joins the thread.
  void Stop();

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Splits "a,b,,c" into {"a", "b", "c"} (query lists such as ?include=1,2).
std::vector<std::string> SplitComma(const std::string& s);

// The requests a fake saw, each as the fake's own record type.
template <class Record>
class RequestLog {
 public:
  void Add(Record record) {
    std::lock_guard lock(mu_);
    records_.push_back(std::move(record));
  }
  std::vector<Record> All() const {
    std::lock_guard lock(mu_);
    return records_;
  }
  template <class Pred>
  size_t CountIf(Pred pred) const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count_if(records_.begin(), records_.end(), pred));
  }

 private:
  mutable std::mutex mu_;
  std::vector<Record> records_;
};

// Faults waiting for the next requests they match, applied in the order
// queued; each is used once.
template <class Fault>
class FaultQueue {
 public:
  void Push(const Fault& fault, int count = 1) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < count; ++i) faults_.push_back(fault);
  }
  // The first fault `matches` accepts, removed from the queue.
  template <class Pred>
  std::optional<Fault> TakeFirst(Pred matches) {
    std::lock_guard lock(mu_);
    auto it = std::find_if(faults_.begin(), faults_.end(), matches);
    if (it == faults_.end()) return std::nullopt;
    Fault fault = std::move(*it);
    faults_.erase(it);
    return fault;
  }
  std::optional<Fault> TakeNext() {
    return TakeFirst([](const Fault&) { return true; });
  }

 private:
  std::mutex mu_;
  std::vector<Fault> faults_;
};

}  // namespace loa::fakes
