// The `wordpress` channel type, declared in one place
// (docs/adding-a-channel.md): a WordPress site through its REST API with an
// Application Password.
#include <memory>

#include "connectors/wordpress/wordpress_connector.h"
#include "connectors/wordpress/wordpress_post.h"
#include "connectors/wordpress/wordpress_settings.h"
#include "contract/channel_type.h"

namespace loa {

namespace {

std::shared_ptr<const ChannelSettings> ReadWordPress(SettingsReader& r) {
  auto wp = std::make_shared<WordPressSettings>();
  wp->http = r.Http();
  wp->base_url = r.Url("base_url", wp->http, /*site_root=*/true);
  while (wp->base_url.ends_with('/')) wp->base_url.pop_back();
  wp->username = r.RequiredString("username", "the WordPress user name");
  wp->app_password_file = r.RequiredString(
      "app_password_file",
      "the name of the file holding the Application Password (a systemd credential name)");
  if (const nlohmann::json* cats = r.Find("categories")) {
    if (!cats->is_object()) {
      r.Fail("categories",
             "expected an object of topic -> category id, like {\"kiem-soat-tthc\": 12}");
    } else {
      for (const auto& [topic, id] : cats->items()) {
        if (id.is_number_integer() && id.get<int64_t>() > 0) {
          wp->categories[topic] = id.get<int64_t>();
        } else {
          r.Fail("categories." + topic, "expected a positive whole number (category id)");
        }
      }
    }
  }
  return wp;
}

}  // namespace

ChannelType WordPressChannelType() {
  ChannelType t;
  t.schema.type = "wordpress";
  t.schema.default_concurrency = 4;
  t.schema.keys = {"base_url",   "username", "app_password_file",
                   "categories", "ca_file",  "allow_insecure_http",
                   "timeout"};
  t.schema.secret_file_key = "app_password_file";
  t.schema.read = ReadWordPress;
  t.schema.secrets = [](const ChannelSettings& settings) {
    const auto& s = static_cast<const WordPressSettings&>(settings);
    return std::vector<SecretFile>{{"app_password_file", s.app_password_file}};
  };
  // No limits: a web page takes any length and every file.
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    auto made = WordPressConnector::Create(*ctx.clock, ctx.channel->Settings<WordPressSettings>(),
                                           ctx.Secret("app_password_file"),
                                           ctx.channel->retry.max_attempts);
    if (!made.ok()) return Error{made.error()};
    return std::unique_ptr<Connector>(std::move(made).value());
  };
  t.preview = [](const ChannelSettings& settings, const PublishRequest& request) {
    return WordPressPreview(static_cast<const WordPressSettings&>(settings), request);
  };
  return t;
}

}  // namespace loa
