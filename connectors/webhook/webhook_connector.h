// The `webhook` connector: POSTs the item's channel payload as JSON to a
// vendor-built endpoint, signed with the channel secret
// (X-Loa-Signature: sha256=<hex HMAC of the body>) and keyed with
// Idempotency-Key: <id>:<channel>, which the endpoint honours by contract,
// so sending again after a lost answer is safe.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "config/config.h"
#include "contract/connector.h"
#include "connectors/http/http_client.h"

namespace loa {

class WebhookConnector : public Connector {
 public:
  // Fails on a bad url or plain http:// to a remote host.
  static Result<std::unique_ptr<WebhookConnector>> Create(const WebhookSettings& settings,
                                                          std::string secret);

  Outcome Publish(const PublishRequest& request) override;
  // Always kAbsent: a resend carries the same Idempotency-Key.
  Reconciliation Reconcile(const PublishRequest& request) override;

 private:
  WebhookConnector(WebhookSettings settings, Url url, std::string secret)
      : settings_(std::move(settings)), url_(std::move(url)), secret_(std::move(secret)) {}

  WebhookSettings settings_;
  Url url_;
  std::string secret_;
};

}  // namespace loa
