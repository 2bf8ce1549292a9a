// The `webhook` channel type, declared in one place
// (docs/adding-a-channel.md): a vendor-built endpoint that takes the item's
// payload as signed JSON.
#include <memory>

#include "connectors/webhook/webhook_connector.h"
#include "connectors/webhook/webhook_settings.h"
#include "contract/channel_type.h"

namespace loa {

ChannelType WebhookChannelType() {
  ChannelType t;
  t.schema.type = "webhook";
  t.schema.default_concurrency = 8;
  t.schema.keys = {"url", "secret_file", "ca_file", "allow_insecure_http", "timeout"};
  t.schema.secret_file_key = "secret_file";
  t.schema.read = [](SettingsReader& r) -> std::shared_ptr<const ChannelSettings> {
    auto s = std::make_shared<WebhookSettings>();
    s->http = r.Http();
    s->url = r.Url("url", s->http, /*site_root=*/false);
    s->secret_file = r.RequiredString(
        "secret_file", "the name of the file holding the HMAC secret (a systemd credential name)");
    return s;
  };
  t.schema.secrets = [](const ChannelSettings& settings) {
    const auto& s = static_cast<const WebhookSettings&>(settings);
    return std::vector<SecretFile>{{"secret_file", s.secret_file}};
  };
  // No limits: the endpoint takes the whole payload.
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    auto made = WebhookConnector::Create(*ctx.clock, ctx.channel->Settings<WebhookSettings>(),
                                         ctx.Secret("secret_file"));
    if (!made.ok()) return Error{made.error()};
    return std::unique_ptr<Connector>(std::move(made).value());
  };
  t.preview = [](const ChannelSettings&, const PublishRequest& request) {
    return WebhookPreview(request);
  };
  return t;
}

}  // namespace loa
