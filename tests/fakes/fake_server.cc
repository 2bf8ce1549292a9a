#include "tests/fakes/fake_server.h"

#include <chrono>

#include "base/listen_backlog.h"

namespace loa::fakes {

FakeServer::~FakeServer() { Stop(); }

std::string FakeServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeServer::Start() {
  // A connector test may connect many times at once (base/listen_backlog.h).
  port_ = BindWithBacklog(server_, "127.0.0.1", 0, httplib::default_socket_options);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // Start-up, not a schedule: listen_after_bind runs on the new thread.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void FakeServer::Stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(start, end - start);
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

}  // namespace loa::fakes
