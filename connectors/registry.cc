#include "connectors/registry.h"

#include <type_traits>
#include <variant>

#include "config/secrets.h"
#include "connectors/facebook/facebook_connector.h"
#include "connectors/file/file_connector.h"
#include "connectors/webhook/webhook_connector.h"
#include "connectors/wordpress/wordpress_connector.h"
#include "connectors/zalo/zalo_connector.h"

namespace loa {

namespace {

Result<std::string> ChannelSecret(const ChannelConfig& channel, const char* key,
                                  const std::string& file, const Config& config) {
  auto secret = ReadSecret(file, config.config_dir);
  if (!secret.ok()) {
    return Error{"channel " + channel.name + ": cannot read " + key + " '" + file +
                 "': " + secret.error()};
  }
  if (secret->empty()) {
    return Error{"channel " + channel.name + ": " + key + " '" + file + "' is empty"};
  }
  return secret;
}

template <class T>
Result<std::unique_ptr<Connector>> Upcast(Result<std::unique_ptr<T>> made,
                                          const ChannelConfig& channel) {
  if (!made.ok()) return Error{"channel " + channel.name + ": " + made.error()};
  return std::unique_ptr<Connector>(std::move(made).value());
}

}  // namespace

Result<std::unique_ptr<Connector>> MakeConnector(const ChannelConfig& channel,
                                                 const Config& config) {
  return std::visit(
      [&](const auto& settings) -> Result<std::unique_ptr<Connector>> {
        using S = std::decay_t<decltype(settings)>;
        if constexpr (std::is_same_v<S, FileSettings>) {
          return Upcast(FileConnector::Create(settings), channel);
        } else if constexpr (std::is_same_v<S, WordPressSettings>) {
          auto password =
              ChannelSecret(channel, "app_password_file", settings.app_password_file, config);
          if (!password.ok()) return Error{password.error()};
          return Upcast(WordPressConnector::Create(settings, std::move(password).value(),
                                                   channel.retry.max_attempts),
                        channel);
        } else if constexpr (std::is_same_v<S, WebhookSettings>) {
          auto secret = ChannelSecret(channel, "secret_file", settings.secret_file, config);
          if (!secret.ok()) return Error{secret.error()};
          return Upcast(WebhookConnector::Create(settings, std::move(secret).value()), channel);
        } else if constexpr (std::is_same_v<S, FacebookSettings>) {
          auto token = ChannelSecret(channel, "page_token_file", settings.page_token_file, config);
          if (!token.ok()) return Error{token.error()};
          std::string app_secret;
          if (!settings.app_secret_file.empty()) {
            auto secret =
                ChannelSecret(channel, "app_secret_file", settings.app_secret_file, config);
            if (!secret.ok()) return Error{secret.error()};
            app_secret = std::move(secret).value();
          }
          return Upcast(
              FacebookConnector::Create(settings, std::move(token).value(), std::move(app_secret),
                                        channel.retry.max_attempts),
              channel);
        } else {
          static_assert(std::is_same_v<S, ZaloSettings>);
          // It reads its secrets itself and keeps its tokens in the store.
          return Upcast(ZaloConnector::Create(settings, channel, config), channel);
        }
      },
      channel.settings);
}

}  // namespace loa
