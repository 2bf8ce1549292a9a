#include "connectors/webhook/webhook_connector.h"

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/json_field.h"
#include "connectors/http/item_payload.h"

namespace loa {

using nlohmann::json;

std::string WebhookSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + HmacSha256Hex(secret, body);
}

Result<HttpRequest> BuildWebhookRequest(const PublishRequest& request, const Url& url,
                                        const std::string& secret) {
  // Serialized once: the signature covers exactly the bytes sent. The body
  // is signed, so it is built whole before sending (media as base64, held
  // once: connectors/http/item_payload.h).
  auto body = ChannelPayloadText(*request.item, request.channel, request.due_at, request.media_dir);
  if (!body.ok()) return Error{body.error()};
  HttpRequest r;
  r.method = "POST";
  r.path = url.target;
  r.body = std::move(body).value();
  r.headers = {
      {"Idempotency-Key", request.IdempotencyKey()},
      {kWebhookSignatureHeader, WebhookSignature(secret, r.body)},
  };
  r.content_type = "application/json";
  return r;
}

ChannelPreview WebhookPreview(const PublishRequest& request) {
  const Item& item = *request.item;
  const json payload = ChannelPayload(item, request.channel, request.due_at);
  ChannelPreview p;
  p.layout = "webhook";
  p.platform = "Webhook";
  // The url's path may hold a token: named by its key only.
  p.requests = {"POST (the channel's url), Idempotency-Key: " + request.IdempotencyKey() + ", " +
                kWebhookSignatureHeader + ": sha256=..."};
  p.fields = {{"title", StringField(payload, "title")},
              {"summary", StringField(payload, "summary")},
              {"text", StringField(payload, "text")},
              {"html", StringField(payload, "html"), PreviewField::Kind::kHtml},
              {"request body", payload.dump(2, ' ', false, json::error_handler_t::replace),
               PreviewField::Kind::kJson}};
  for (const MediaFile& m : item.media) {
    p.media.push_back({m.name, m.content_type, m.caption, "attachment", ""});
  }
  if (!item.media.empty()) {
    p.notes.push_back("each media file's bytes go in its data_base64 (null above)");
  }
  return p;
}

Outcome ClassifyWebhookAnswer(int status, std::string_view body, std::optional<Millis> retry_after,
                              const std::string& what, const std::string& key) {
  if (status >= 200 && status < 300) {
    json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
    std::string id = IdField(answer, "id");
    std::string url = answer.is_object() && answer.contains("url") && answer["url"].is_string()
                          ? answer["url"].get<std::string>()
                          : "";
    return Outcome::Published(id.empty() ? key : id, url, status);
  }
  std::string detail = what + ": HTTP " + std::to_string(status);
  if (!body.empty()) detail += ": " + Excerpt(body);
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

Result<std::unique_ptr<WebhookConnector>> WebhookConnector::Create(const Clock& clock,
                                                                   const WebhookSettings& settings,
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
      new WebhookConnector(clock, settings, std::move(parsed), std::move(secret)));
}

Outcome WebhookConnector::Publish(const PublishRequest& request) {
  auto built = BuildWebhookRequest(request, url_, secret_);
  if (!built.ok()) return Outcome::Failed(ErrorClass::kPermanent, built.error());
  // The path may hold a token: messages name only the server.
  std::string what = DescribeRequest("POST", url_, "");
  auto client = MakeHttpClient(url_, settings_.http);
  auto res = client->Post(built->path, built->headers, built->body, built->content_type);
  if (!res) return TransportFailure(res.error(), what, RequestKind::kSafe);
  return ClassifyWebhookAnswer(res->status, res->body, RetryAfterOf(*res, clock_.Now()), what,
                               request.IdempotencyKey());
}

Reconciliation WebhookConnector::Reconcile(const PublishRequest& request) {
  Reconciliation r;
  r.kind = Reconciliation::Kind::kAbsent;
  r.message = "the webhook deduplicates by Idempotency-Key " + request.IdempotencyKey() +
              ": sending again is safe";
  return r;
}

}  // namespace loa
