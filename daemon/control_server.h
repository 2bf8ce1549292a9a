// The control server: one HTTP server inside the daemon, on its own threads,
// serving docs/control-api.md. It checks what it can alone (the bearer token,
// the body's size) and hands every request to the io thread, where the store
// and engine live (daemon/control_api.h), waiting a bounded time for the
// answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/asio.h"
#include "base/result.h"
#include "config/control_config.h"
#include "daemon/control_api.h"

namespace httplib {
class Server;
}

namespace loa {

struct ControlServerOptions {
  ListenAddress address;  // port 0: the kernel picks one (see port())
  // Every POST, and beyond loopback every request but /healthz, needs it
  // (reads take it as a Basic password too). Never logged.
  std::string token;
  // How long a request waits for the io thread before it is answered 503.
  std::chrono::milliseconds answer_timeout{5000};
  // Reading a request and writing an answer each get this long.
  std::chrono::seconds io_timeout{5};
  // cpp-httplib gives each connection a thread until it closes, and a
  // connection that sends nothing (a browser's spare keep-alive ones, or a
  // caller that stalls) holds it for keep_alive_timeout. Enough threads that
  // a dashboard's six connections and a monitor's probe never wait on each
  // other, and a short keep-alive that lets an idle one go soon.
  int threads = 16;
  std::chrono::seconds keep_alive_timeout{2};
};

class ControlServer {
 public:
  // Work is posted to `io`; the API's sources must outlive the server.
  ControlServer(asio::io_context& io, ControlSources sources, ControlServerOptions options);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds the address and starts serving on the server's threads. An
  // address in use (or not this machine's) is an error naming it.
  Status Start();
  // The port listened on (the one the kernel picked for port 0).
  int port() const { return port_; }
  // loa is stopping: every request from now on is answered 503.
  void BeginStop();
  // Stops serving and joins the threads; no API call runs after it returns.
  void Stop();

 private:
  struct Gate;  // whether the API may still be called, under a mutex
  void Handle(const ControlRequest& request, const std::string& authorization,
              const std::string& host, ControlAnswer& answer);
  // The bearer token, or for a read (`allow_basic`) also the token as an
  // HTTP Basic password.
  bool Authorized(const std::string& authorization, bool allow_basic) const;
  ControlAnswer OnIoThread(const ControlRequest& request);

  asio::io_context& io_;
  ControlServerOptions options_;
  std::unique_ptr<ControlApi> api_;
  std::shared_ptr<Gate> gate_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  std::string token_digest_;  // SHA-256 of the token: compared in constant time
  // Refusals logged per minute, so that a caller guessing tokens cannot
  // flood the journal (kRefusalLinesPerMinute, then one summary line).
  void LogRefusal(const std::string& line);
  std::mutex refusal_mu_;
  std::chrono::steady_clock::time_point refusal_window_{};
  int refusal_lines_ = 0;
  uint64_t refusals_unlogged_ = 0;
};

}  // namespace loa
