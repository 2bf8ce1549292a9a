#include "bench/receiver.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/listen_backlog.h"
#include "base/time.h"

namespace loa::bench {

Receiver::Receiver(std::string secret, int threads) : secret_(std::move(secret)) {
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_.Post(".*",
               [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  // 5 channels × 16 requests leave at once (base/listen_backlog.h).
  port_ = BindWithBacklog(server_, "127.0.0.1", 0, httplib::default_socket_options);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // Start-up, not a schedule: listen_after_bind runs on the new thread.
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

Receiver::~Receiver() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string Receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/loa/items";
}

void Receiver::Clear() {
  std::lock_guard lock(mu_);
  arrivals_.clear();
  keys_.clear();
  refused_ = 0;
  repeats_ = 0;
}

size_t Receiver::Accepted() const {
  std::lock_guard lock(mu_);
  return arrivals_.size();
}

std::vector<Receiver::Arrival> Receiver::Arrivals() const {
  std::lock_guard lock(mu_);
  return arrivals_;
}

void Receiver::Handle(const httplib::Request& req, httplib::Response& res) {
  const WallTime at = std::chrono::system_clock::now();
  auto refuse = [&](int status) {
    ++refused_;
    res.status = status;
    res.set_content(R"({"error":"refused"})", "application/json");
  };
  const std::string signature = req.get_header_value("X-Loa-Signature");
  if (signature.rfind("sha256=", 0) != 0 ||
      !SecureEquals(signature.substr(7), HmacSha256Hex(secret_, req.body))) {
    return refuse(401);
  }
  const std::string key = req.get_header_value("Idempotency-Key");
  auto json = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (key.empty() || !json.is_object() || !json.contains("publish_at") ||
      !json["publish_at"].is_string()) {
    return refuse(400);
  }
  auto due = ParseTime(json["publish_at"].get<std::string>(), TimeZone());
  if (!due.ok()) return refuse(400);
  if (int delay = delay_ms_; delay > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
  {
    std::lock_guard lock(mu_);
    auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it != keys_.end() && *it == key) {
      ++repeats_;
    } else {
      keys_.insert(it, key);
      arrivals_.push_back(Arrival{key, WallTime(*due), at});
    }
  }
  res.status = 201;
  res.set_content(nlohmann::json{{"id", "b-" + key}}.dump(), "application/json");
}

}  // namespace loa::bench
