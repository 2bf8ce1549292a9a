// The `webhook` connector: POSTs the item's channel payload as JSON to a
// vendor-built endpoint, signed with the channel secret
// (X-Loa-Signature: sha256=<hex HMAC of the body>) and keyed with
// Idempotency-Key: <id>:<channel>, which the endpoint honours by contract,
// so sending again after a lost answer is safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "connectors/http/http_client.h"
#include "connectors/webhook/webhook_settings.h"
#include "contract/channel_preview.h"
#include "contract/connector.h"

namespace loa {

// The X-Loa-Signature header a receiver checks: "sha256=" and the lower-case
// hex HMAC-SHA256 of exactly `body` keyed with `secret`. Alerts
// (daemon/alerts.h) sign their POSTs the same way, so one receiver check
// serves both.
inline constexpr const char* kWebhookSignatureHeader = "X-Loa-Signature";
std::string WebhookSignature(std::string_view secret, std::string_view body);

// The signed POST for one item (reads its media from request.media_dir).
Result<HttpRequest> BuildWebhookRequest(const PublishRequest& request, const Url& url,
                                        const std::string& secret);

// The body BuildWebhookRequest sends, as a preview (contract/channel_preview.h):
// the same ChannelPayload, each media file's data_base64 left null (the
// request carries the file's bytes there).
ChannelPreview WebhookPreview(const PublishRequest& request);

// What the endpoint's answer means. `what` names the request in messages;
// `key` is the Idempotency-Key, the remote id when the answer has none.
Outcome ClassifyWebhookAnswer(int status, std::string_view body, std::optional<Millis> retry_after,
                              const std::string& what, const std::string& key);

class WebhookConnector : public Connector {
 public:
  // Fails on a bad url or plain http:// to a remote host.
  static Result<std::unique_ptr<WebhookConnector>> Create(const Clock& clock,
                                                          const WebhookSettings& settings,
                                                          std::string secret);

  Outcome Publish(const PublishRequest& request) override;
  // Always kAbsent: a resend carries the same Idempotency-Key.
  Reconciliation Reconcile(const PublishRequest& request) override;

 private:
  WebhookConnector(const Clock& clock, WebhookSettings settings, Url url, std::string secret)
      : clock_(clock),
        settings_(std::move(settings)),
        url_(std::move(url)),
        secret_(std::move(secret)) {}

  const Clock& clock_;
  WebhookSettings settings_;
  Url url_;
  std::string secret_;
};

}  // namespace loa
