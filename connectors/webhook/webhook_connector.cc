#include "connectors/webhook/webhook_connector.h"

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "connectors/http/item_payload.h"

namespace loa {

namespace {

using nlohmann::json;

std::string StringOrNumber(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

}  // namespace

Result<std::unique_ptr<WebhookConnector>> WebhookConnector::Create(const WebhookSettings& settings,
                                                                   std::string secret) {
  auto url = ParseUrl(settings.url);
  if (!url.ok()) return Error{"url: " + url.error()};
  if (auto s = CheckTransportAllowed(*url, settings.http); !s.ok()) {
    return Error{"url: " + s.error()};
  }
  if (secret.empty()) return Error{"the webhook secret is empty"};
  Url parsed = std::move(url).value();
  if (parsed.target.empty()) parsed.target = "/";
  return std::unique_ptr<WebhookConnector>(
      new WebhookConnector(settings, std::move(parsed), std::move(secret)));
}

Outcome WebhookConnector::Publish(const PublishRequest& request) {
  auto payload = ChannelPayload(*request.item, request.channel, request.due_at, request.media_dir,
                                /*include_media_data=*/true);
  if (!payload.ok()) return Outcome::Failed(ErrorClass::kPermanent, payload.error());
  // Serialized once: the signature covers exactly the bytes sent.
  std::string body = payload->dump(-1, ' ', false, json::error_handler_t::replace);
  std::string key = request.IdempotencyKey();
  httplib::Headers headers = {
      {"Idempotency-Key", key},
      {"X-Loa-Signature", "sha256=" + HmacSha256Hex(secret_, body)},
  };
  // The path may hold a token: messages name only the server.
  std::string what = DescribeRequest("POST", url_, "");

  auto client = MakeHttpClient(url_, settings_.http);
  auto res = client->Post(url_.target, headers, body, "application/json");
  if (!res) return TransportFailure(res.error(), what, RequestKind::kSafe);

  int status = res->status;
  if (status >= 200 && status < 300) {
    json answer = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    std::string id = StringOrNumber(answer, "id");
    std::string url = answer.is_object() && answer.contains("url") && answer["url"].is_string()
                          ? answer["url"].get<std::string>()
                          : "";
    return Outcome::Published(id.empty() ? key : id, url, status);
  }

  std::string detail = what + ": HTTP " + std::to_string(status);
  if (!res->body.empty()) detail += ": " + Excerpt(res->body);
  auto retry_after = RetryAfterOf(*res, SystemClock().Now());
  if (status == 429) return Outcome::Retry(ErrorClass::kRateLimited, detail, status, retry_after);
  if (status >= 500 || status == 408) {
    return Outcome::Retry(ErrorClass::kTransient, detail, status, retry_after);
  }
  if (status == 401 || status == 403) {
    return Outcome::Failed(ErrorClass::kAuth,
                           detail + " (the endpoint refused the signature or credentials)", status);
  }
  return Outcome::Failed(ErrorClass::kPermanent, detail, status);
}

Reconciliation WebhookConnector::Reconcile(const PublishRequest& request) {
  Reconciliation r;
  r.kind = Reconciliation::Kind::kAbsent;
  r.message = "the webhook deduplicates by Idempotency-Key " + request.IdempotencyKey() +
              ": sending again is safe";
  return r;
}

}  // namespace loa
