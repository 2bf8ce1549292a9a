#include "daemon/control_server.h"

#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <future>

#include <httplib.h>

#include "base/crypto.h"
#include "base/listen_backlog.h"
#include "base/log.h"
#include "base/net.h"
#include "daemon/basic_auth.h"
#include "daemon/control_request.h"
#include "daemon/dashboard.h"

namespace loa {

namespace {

// docs/control-api.md: bodies are at most 64 KiB.
constexpr size_t kMaxBody = 64 * 1024;
constexpr auto kWaitSlice = std::chrono::milliseconds(20);

// Why `address` could not be bound, from a probe socket of its own once
// httplib's bind failed (it only says that it did); set like the server's
// socket (SO_REUSEADDR), so it fails the same way.
std::string BindProblem(const ListenAddress& address) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (address.host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(address.port));
    ::inet_pton(AF_INET6, address.host.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(address.port));
    ::inet_pton(AF_INET, address.host.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  std::string problem;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    problem = std::strerror(err);
    if (err == EADDRINUSE) problem += " (another program, or another loa, listens there)";
    if (err == EADDRNOTAVAIL) problem += " (not an address of this machine)";
  }
  ::close(fd);
  return problem;
}

// /healthz keeps its own shape when the API cannot be asked
// (docs/control-api.md).
ControlAnswer Degraded(const std::string& problem) {
  return {503, JsonText({{"status", "degraded"}, {"problems", {problem}}})};
}

// "host:port", "[v6]:port" or a bare host, as a Host header names it.
std::string_view HostOfHostHeader(std::string_view value) {
  if (value.starts_with('[')) {
    size_t close = value.find(']');
    return close == std::string_view::npos ? std::string_view() : value.substr(1, close - 1);
  }
  size_t colon = value.rfind(':');
  return colon == std::string_view::npos ? value : value.substr(0, colon);
}

}  // namespace

struct ControlServer::Gate {
  std::mutex mutex;
  bool open = true;
};

ControlServer::ControlServer(asio::io_context& io, ControlSources sources,
                             ControlServerOptions options)
    : io_(io),
      options_(std::move(options)),
      api_(std::make_unique<ControlApi>(std::move(sources))),
      gate_(std::make_shared<Gate>()),
      server_(std::make_unique<httplib::Server>()),
      token_digest_(Sha256Hex(options_.token)) {
  OPENSSL_cleanse(options_.token.data(), options_.token.size());
  options_.token.clear();
}

ControlServer::~ControlServer() { Stop(); }

Status ControlServer::Start() {
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_payload_max_length(kMaxBody);
  s.set_read_timeout(options_.io_timeout);
  s.set_write_timeout(options_.io_timeout);
  s.set_keep_alive_timeout(options_.keep_alive_timeout.count());
  s.set_keep_alive_max_count(100);
  // httplib's default is SO_REUSEPORT, with which a second loa (or anything
  // of the same user) could bind the same port and take half the requests.
  // SO_REUSEADDR alone refuses a port someone listens on, and still binds
  // over the connections a restart leaves closing.
  auto socket_options = [](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  };
  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    ControlRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [key, value] : req.params) request.query.emplace_back(key, value);
    request.body = req.body;
    ControlAnswer answer;
    Handle(request, req.get_header_value("Authorization"), req.get_header_value("Host"), answer);
    res.status = answer.status;
    for (const auto& [name, value] : answer.headers) res.set_header(name, value);
    if (answer.status == 401 && !res.has_header("WWW-Authenticate")) {
      res.set_header("WWW-Authenticate", "Bearer");
    }
    res.set_content(answer.body, answer.content_type.c_str());
  };
  s.Get(".*", handler);
  s.Post(".*", handler);
  // What httplib answers itself (413 for a long body, 400 for a broken
  // request, 404 for another method) gets the envelope too.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string message = res.status == 413   ? "the body is over 64 KiB"
                                    : res.status == 404 ? "no such path"
                                                        : "the request cannot be read";
        ControlAnswer answer = ErrorAnswer(res.status, message);
        res.set_content(answer.body, answer.content_type.c_str());
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    ControlAnswer answer = ErrorAnswer(500, "the control server failed on this request");
    res.status = 500;
    res.set_content(answer.body, answer.content_type.c_str());
  });

  const ListenAddress& address = options_.address;
  // A page of the dashboard opens several connections at once, a script
  // more: the backlog is raised from httplib's 5 (base/listen_backlog.h).
  if (address.port == 0) {
    port_ = BindWithBacklog(s, address.host, 0, socket_options);
    if (port_ <= 0) return Error{"cannot listen on " + address.host + ": no free port"};
  } else {
    if (BindWithBacklog(s, address.host, address.port, socket_options) <= 0) {
      std::string problem = BindProblem(address);
      return Error{"control.listen: cannot listen on " + address.ToString() +
                   (problem.empty() ? "" : ": " + problem)};
    }
    port_ = address.port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing before its loop runs: Stop() could then
  // wait on a server that never ends. The loop starts within microseconds.
  for (int i = 0; i < 1000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LogInfo("control API listening on " + ListenAddress{address.host, port_, false}.ToString() +
          (address.loopback ? " (reads open to this machine; changes need the token)"
                            : " (every request but /healthz needs the token)"));
  return Ok{};
}

void ControlServer::BeginStop() { stopping_ = true; }

void ControlServer::Stop() {
  stopping_ = true;
  {
    // After this, a request still queued on the io thread finds the gate
    // shut and does not touch the API (whose sources are going away).
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->open = false;
  }
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

bool ControlServer::Authorized(const std::string& authorization, bool allow_basic) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() || authorization.size() > 4096) return false;
  std::string given;
  if (IsBearerScheme(authorization)) {
    given = Sha256Hex(std::string_view(authorization).substr(kScheme.size()));
  } else if (allow_basic) {
    std::optional<std::string> password = BasicAuthPassword(authorization);
    if (!password) return false;
    given = Sha256Hex(*password);
    OPENSSL_cleanse(password->data(), password->size());
  } else {
    return false;
  }
  // Digests of equal length, compared in constant time: neither the token's
  // length nor its content leaks through the time a refusal takes.
  return CRYPTO_memcmp(given.data(), token_digest_.data(), given.size()) == 0;
}

void ControlServer::Handle(const ControlRequest& request, const std::string& authorization,
                           const std::string& host, ControlAnswer& answer) {
  if (stopping_) {
    answer = request.path == "/healthz" ? Degraded("loa is stopping")
                                        : ErrorAnswer(503, "loa is stopping");
    return;
  }
  const bool post = request.method == "POST";
  const bool needs_token = post || (!options_.address.loopback && request.path != "/healthz");
  // A browser cannot send a bearer token: reads also take the token as a
  // Basic password. Changes do not, so that credentials a browser keeps
  // never let another site's form change anything.
  if (needs_token && !Authorized(authorization, /*allow_basic=*/!post)) {
    // The header is never logged: it may hold a token that is almost right.
    LogRefusal("control: refused " + request.method + " " + ShownText(request.path) + ": " +
               (authorization.empty()          ? "no bearer token"
                : IsBasicScheme(authorization) ? "wrong Basic login"
                                               : "wrong bearer token"));
    const bool page = !post && IsBrowserPage(request.path);
    answer = ErrorAnswer(
        401, authorization.empty()
                 ? (page ? "this page needs the control token as the password (any user name)"
                         : "this request needs Authorization: Bearer <token>")
                 : "the token given is not the control token");
    // A browser asks for a login on this challenge (docs/control-api.md).
    if (page) {
      answer.headers.emplace_back("WWW-Authenticate", R"(Basic realm="loa", charset="UTF-8")");
    }
    return;
  }
  // On loopback reads need no token, so a page of another site that made
  // its name resolve to 127.0.0.1 (DNS rebinding) could read them: its
  // requests carry its own name in Host. Only loopback names are answered.
  if (!needs_token && !post && !host.empty() && !IsLoopbackHost(HostOfHostHeader(host)) &&
      request.path != "/healthz" && !Authorized(authorization, /*allow_basic=*/true)) {
    LogRefusal("control: refused " + request.method + " " + ShownText(request.path) +
               ": addressed to " + ShownText(host) + ", not to a loopback name");
    answer = ErrorAnswer(403,
                         "on loopback loa answers only requests addressed to 127.0.0.1, "
                         "[::1] or localhost");
    return;
  }
  answer = OnIoThread(request);
}

void ControlServer::LogRefusal(const std::string& line) {
  constexpr int kRefusalLinesPerMinute = 20;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(refusal_mu_);
  if (now - refusal_window_ >= std::chrono::minutes(1)) {
    if (refusals_unlogged_ > 0) {
      LogWarning("control: " + std::to_string(refusals_unlogged_) +
                 " more refused requests were not logged in the last minute");
    }
    refusal_window_ = now;
    refusal_lines_ = 0;
    refusals_unlogged_ = 0;
  }
  if (refusal_lines_ < kRefusalLinesPerMinute) {
    ++refusal_lines_;
    LogWarning(line);
    if (refusal_lines_ == kRefusalLinesPerMinute) {
      LogWarning("control: " + std::to_string(kRefusalLinesPerMinute) +
                 " refused requests this minute; the next are counted, not logged");
    }
    return;
  }
  ++refusals_unlogged_;
}

ControlAnswer ControlServer::OnIoThread(const ControlRequest& request) {
  auto promise = std::make_shared<std::promise<ControlAnswer>>();
  std::future<ControlAnswer> future = promise->get_future();
  asio::post(io_, [promise, gate = gate_, api = api_.get(), request] {
    std::lock_guard<std::mutex> lock(gate->mutex);
    if (!gate->open) {
      promise->set_value(ErrorAnswer(503, "loa is stopping"));
      return;
    }
    promise->set_value(api->Serve(request));
  });
  const auto deadline = std::chrono::steady_clock::now() + options_.answer_timeout;
  while (future.wait_for(kWaitSlice) != std::future_status::ready) {
    if (stopping_) return ErrorAnswer(503, "loa is stopping");
    if (std::chrono::steady_clock::now() >= deadline) {
      if (request.path == "/healthz") return Degraded("loa's event loop did not answer in time");
      return ErrorAnswer(503, "loa did not answer in time; try again");
    }
  }
  try {
    return future.get();
  } catch (const std::exception&) {
    // The io_context went away with the work still queued.
    return ErrorAnswer(503, "loa is stopping");
  }
}

}  // namespace loa
