// An in-process webhook endpoint over real HTTP on loopback that keeps
// loa's webhook contract: it verifies X-Loa-Signature with the shared
// secret, requires an Idempotency-Key and answers a repeated key with the
// first answer instead of accepting the item twice.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/fakes/fake_server.h"

namespace loa::fakes {

class FakeWebhook : public FakeServer {
 public:
  // One accepted item (the first request with its key).
  struct Delivery {
    std::string id;  // the id the fake answered
    std::string idempotency_key;
    std::string body;  // the exact bytes received
    nlohmann::json json;
  };
  struct Request {
    std::string path;
    std::string idempotency_key;
    std::string content_type;
    bool signature_ok = false;
    size_t body_size = 0;
    int status = 0;
  };

  // Listens on 127.0.0.1 at a free port and accepts POSTs to `path`.
  explicit FakeWebhook(std::string secret, std::string path = "/loa/items");
  ~FakeWebhook();
  FakeWebhook(const FakeWebhook&) = delete;
  FakeWebhook& operator=(const FakeWebhook&) = delete;

  std::string url() const;  // base_url() + path

  std::vector<Delivery> deliveries() const;
  std::vector<Request> requests() const;

  // The next `count` requests answer `status` (429, 500, 503, ...), with a
  // Retry-After header when given.
  void FailNext(int count, int status, std::optional<std::string> retry_after = std::nullopt);
  // When false, accepted requests answer 204 without a body.
  void SetAnswerWithBody(bool with_body);

 private:
  struct Fault {
    int status = 0;
    std::optional<std::string> retry_after;
  };
  void Handle(const httplib::Request& req, httplib::Response& res);

  std::string secret_;
  std::string path_;
  RequestLog<Request> requests_;
  FaultQueue<Fault> faults_;

  mutable std::mutex mu_;  // the items and settings below; held through a request
  std::vector<Delivery> deliveries_;
  std::map<std::string, std::string> id_by_key_;
  bool answer_with_body_ = true;
};

}  // namespace loa::fakes
