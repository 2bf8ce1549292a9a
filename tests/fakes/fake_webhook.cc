#include "tests/fakes/fake_webhook.h"

#include "base/crypto.h"

namespace loa::fakes {

namespace {

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

FakeWebhook::FakeWebhook(std::string secret, std::string path)
    : secret_(std::move(secret)), path_(std::move(path)) {
  server().Post(".*",
                [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
  Start();
}

FakeWebhook::~FakeWebhook() { Stop(); }

std::string FakeWebhook::url() const { return base_url() + path_; }

std::vector<FakeWebhook::Delivery> FakeWebhook::deliveries() const {
  std::lock_guard lock(mu_);
  return deliveries_;
}

std::vector<FakeWebhook::Request> FakeWebhook::requests() const { return requests_.All(); }

void FakeWebhook::FailNext(int count, int status, std::optional<std::string> retry_after) {
  faults_.Push(Fault{status, std::move(retry_after)}, count);
}

void FakeWebhook::SetAnswerWithBody(bool with_body) {
  std::lock_guard lock(mu_);
  answer_with_body_ = with_body;
}

void FakeWebhook::Handle(const httplib::Request& req, httplib::Response& res) {
  Request record;
  record.path = req.path;
  record.idempotency_key = req.get_header_value("Idempotency-Key");
  record.content_type = req.get_header_value("Content-Type");
  record.body_size = req.body.size();
  std::string signature = req.get_header_value("X-Loa-Signature");
  record.signature_ok = signature.rfind("sha256=", 0) == 0 &&
                        SecureEquals(signature.substr(7), HmacSha256Hex(secret_, req.body));

  std::lock_guard lock(mu_);
  auto finish = [&] {
    record.status = res.status;
    requests_.Add(record);
  };
  if (std::optional<Fault> f = faults_.TakeNext()) {
    if (f->retry_after) res.set_header("Retry-After", *f->retry_after);
    SendJson(res, f->status, {{"error", "injected fault " + std::to_string(f->status)}});
    return finish();
  }
  if (req.path != path_) {
    SendJson(res, 404, {{"error", "no such endpoint"}});
    return finish();
  }
  if (!record.signature_ok) {
    SendJson(res, 401, {{"error", "bad or missing X-Loa-Signature"}});
    return finish();
  }
  if (record.content_type.rfind("application/json", 0) != 0) {
    SendJson(res, 415, {{"error", "expected application/json"}});
    return finish();
  }
  if (record.idempotency_key.empty()) {
    SendJson(res, 400, {{"error", "missing Idempotency-Key"}});
    return finish();
  }
  auto json = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    SendJson(res, 400, {{"error", "body is not a JSON object"}});
    return finish();
  }
  int status = 200;
  std::string id;
  if (auto it = id_by_key_.find(record.idempotency_key); it != id_by_key_.end()) {
    id = it->second;  // a repeat: the first answer again, nothing new
  } else {
    id = "wh-" + std::to_string(deliveries_.size() + 1);
    id_by_key_[record.idempotency_key] = id;
    deliveries_.push_back(Delivery{id, record.idempotency_key, req.body, std::move(json)});
    status = 201;
  }
  if (answer_with_body_) {
    SendJson(res, status, {{"id", id}, {"url", base_url() + "/items/" + id}});
  } else {
    res.status = 204;
  }
  finish();
}

}  // namespace loa::fakes
