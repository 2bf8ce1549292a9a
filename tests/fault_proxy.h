// A TCP proxy on loopback that sits between loa and one of the fakes in
// tests/fakes/ and makes a healthy platform behave like a slow, flaky one,
// whatever the fake itself supports: it can hold a request before passing
// it on (so that it lands after the client is gone, a "slow create" across a
// kill), answer an error after the platform has done the work, or drop the
// answer. loa's HTTP clients send one request per connection
// (connectors/http_client.cc turns keep-alive off), so the proxy reads one
// request, decides, forwards it, and relays or replaces the answer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace loa::fakes {

class FaultProxy {
 public:
  // What to do with one request, chosen when its head has arrived.
  struct Plan {
    // Held this long before it is passed on; a request already read is
    // passed on even when the client has gone meanwhile.
    std::chrono::milliseconds hold_request{0};
    // The platform's answer is held this long before it is relayed.
    std::chrono::milliseconds hold_answer{0};
    // After the platform answered: close the client's connection instead of
    // relaying the answer.
    bool drop_answer = false;
    // After the platform answered: send this status and body instead.
    int replace_status = 0;
    std::string replace_body;
    std::string replace_content_type = "application/json; charset=UTF-8";
  };
  // Called once per request, never twice at the same time, so a policy may
  // keep a random generator without a lock of its own.
  using Policy = std::function<Plan(const std::string& method, const std::string& path)>;

  // What happened, by kind, for the test's report.
  struct Stats {
    size_t requests = 0;
    size_t held = 0;  // requests held before forwarding
    size_t dropped_answers = 0;
    size_t replaced_answers = 0;
    size_t client_gone = 0;  // the client closed before its answer was relayed
  };

  // Listens on 127.0.0.1 at a free port and forwards to 127.0.0.1:`upstream_port`.
  FaultProxy(int upstream_port, Policy policy);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>".
  std::string base_url() const;
  Stats stats() const;

 private:
  void AcceptLoop();
  void Serve(int client_fd);
  Plan Decide(const std::string& method, const std::string& path);

  int upstream_port_;
  Policy policy_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  std::mutex policy_mu_;
  mutable std::mutex mu_;
  std::condition_variable idle_;
  int active_ = 0;  // connections being served, each on a detached thread
  Stats stats_;
};

// "http://127.0.0.1:<port>/rest/of/url" -> the port; 0 when there is none.
int PortOf(const std::string& url);

}  // namespace loa::fakes
