#include "tests/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>

namespace loa::fakes {

namespace {

using namespace std::chrono_literals;

// Bounds, so that a confused peer can never hold a test for long.
constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxMessage = 64 * 1024 * 1024;
constexpr int kSocketTimeoutSeconds = 15;

void SetTimeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kSocketTimeoutSeconds;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The value of header `name` (lower case) in an HTTP head, or "".
std::string HeaderValue(const std::string& head, const std::string& name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t start = pos + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(start, end - start);
    size_t colon = line.find(':');
    if (colon != std::string::npos && Lower(line.substr(0, colon)) == name) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      return value;
    }
    pos = end;
  }
  return "";
}

// Reads one whole HTTP message (head and body, Content-Length or chunked)
// from `fd` into `out`; when the peer has no framing, until it closes.
// False when the connection ended before a whole head arrived.
bool ReadMessage(int fd, std::string& out) {
  out.clear();
  char buf[16 * 1024];
  size_t head_end = std::string::npos;
  auto read_more = [&]() -> bool {
    ssize_t n;
    do {
      n = ::recv(fd, buf, sizeof buf, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    out.append(buf, static_cast<size_t>(n));
    return out.size() <= kMaxMessage;
  };
  while ((head_end = out.find("\r\n\r\n")) == std::string::npos) {
    if (out.size() > kMaxHead || !read_more()) return false;
  }
  const std::string head = out.substr(0, head_end);
  const size_t body_start = head_end + 4;
  const std::string length = HeaderValue(head, "content-length");
  if (!length.empty()) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec != std::errc() || n > kMaxMessage) return false;
    while (out.size() < body_start + n) {
      if (!read_more()) return true;  // short: relayed as it is
    }
    return true;
  }
  if (Lower(HeaderValue(head, "transfer-encoding")).find("chunked") != std::string::npos) {
    while (out.size() < body_start + 5 || out.compare(out.size() - 5, 5, "0\r\n\r\n") != 0) {
      if (!read_more()) return true;
    }
    return true;
  }
  // A request without a body, or an answer framed by the connection's end.
  if (head.rfind("HTTP/", 0) != 0) return true;
  while (read_more()) {
  }
  return true;
}

// Sleeps `d` in short steps; false when the proxy is stopping.
bool Hold(std::chrono::milliseconds d, const std::atomic<bool>& stopping) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (stopping) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        10ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                  until - std::chrono::steady_clock::now()) +
                  1ms));
  }
  return true;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

}  // namespace

int PortOf(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return 0;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos) return 0;
  int port = 0;
  const char* begin = url.data() + colon + 1;
  auto [p, ec] = std::from_chars(begin, url.data() + url.size(), port);
  return ec == std::errc() && p != begin ? port : 0;
}

FaultProxy::FaultProxy(int upstream_port, Policy policy)
    : upstream_port_(upstream_port), policy_(std::move(policy)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ >= 0 && ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::listen(listen_fd_, 128) == 0) {
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  acceptor_.join();
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return active_ == 0; });
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string FaultProxy::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

FaultProxy::Stats FaultProxy::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

FaultProxy::Plan FaultProxy::Decide(const std::string& method, const std::string& path) {
  std::lock_guard lock(policy_mu_);
  return policy_ ? policy_(method, path) : Plan{};
}

void FaultProxy::AcceptLoop() {
  while (!stopping_ && listen_fd_ >= 0) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mu_);
      ++active_;
    }
    // Detached: the destructor waits for `active_` to reach zero instead,
    // so the thousands of short connections of a long test leave nothing
    // behind.
    std::thread([this, fd] {
      Serve(fd);
      ::close(fd);
      std::lock_guard lock(mu_);
      if (--active_ == 0) idle_.notify_all();
    }).detach();
  }
}

void FaultProxy::Serve(int client_fd) {
  SetTimeouts(client_fd);
  std::string request;
  if (!ReadMessage(client_fd, request)) return;
  const size_t line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = line.find(' ', sp1 + 1);
  const std::string method = line.substr(0, sp1);
  std::string path = sp1 == std::string::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));

  const Plan plan = Decide(method, path);
  {
    std::lock_guard lock(mu_);
    ++stats_.requests;
    if (plan.hold_request.count() > 0) ++stats_.held;
  }
  if (!Hold(plan.hold_request, stopping_)) return;

  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (upstream < 0) return;
  SetTimeouts(upstream);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  std::string answer;
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      SendAll(upstream, request)) {
    ReadMessage(upstream, answer);
  }
  ::close(upstream);

  if (plan.drop_answer) {
    std::lock_guard lock(mu_);
    ++stats_.dropped_answers;
    return;
  }
  if (plan.replace_status != 0) {
    answer = "HTTP/1.1 " + std::to_string(plan.replace_status) + " " +
             ReasonPhrase(plan.replace_status) + "\r\nContent-Type: " + plan.replace_content_type +
             "\r\nContent-Length: " + std::to_string(plan.replace_body.size()) +
             "\r\nConnection: close\r\n\r\n" + plan.replace_body;
    std::lock_guard lock(mu_);
    ++stats_.replaced_answers;
  }
  // The platform dropped the connection itself (a fake's own fault): so
  // does the proxy.
  if (answer.empty()) return;
  if (!Hold(plan.hold_answer, stopping_)) return;
  if (!SendAll(client_fd, answer)) {
    std::lock_guard lock(mu_);
    ++stats_.client_gone;
    return;
  }
  ::shutdown(client_fd, SHUT_WR);
}

}  // namespace loa::fakes
