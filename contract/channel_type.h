// A channel type as a plugin: everything loa needs to know about one kind of
// channel, declared in one place (connectors/<type>/<type>_type.cc) and
// listed once in connectors/registry.cc. Config loading, `loa config
// check`, the ingest limit check, folder creation and the connector factory
// all walk that list (docs/adding-a-channel.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "config/channel_schema.h"
#include "config/config.h"
#include "contract/channel_preview.h"
#include "contract/connector.h"
#include "contract/token_vault.h"
#include "inbox/channel_limits.h"

namespace loa {

// What a type's factory gets to build one channel's connector.
struct ConnectorContext {
  const Config* config = nullptr;
  const ChannelConfig* channel = nullptr;
  // The channel's secrets, read through ReadSecret (config/secrets.h), by
  // *_file key ("app_password_file"). An optional secret not configured is
  // absent.
  std::map<std::string, std::string> secrets;
  // Reads a secret again later (a refresh token an admin may replace while
  // loa runs), by its *_file key; the same lookup as `secrets`.
  std::function<Result<std::string>(const std::string& key)> read_secret;
  // Where OAuth pairs are kept between calls (the daemon's TokenStore).
  // nullptr where no vault was opened: a type that needs one refuses.
  TokenVault* vault = nullptr;
  const Clock* clock = nullptr;

  // The secret read for `key`, "" when it is absent.
  std::string Secret(const std::string& key) const {
    auto it = secrets.find(key);
    return it == secrets.end() ? std::string() : it->second;
  }
  const ChannelSettings& settings() const { return *channel->settings; }
};

struct ChannelType {
  // The config side: type name, keys, reader, secrets, folders.
  ChannelSchema schema;
  // What the platform accepts from one item; null for a channel that takes
  // anything (file, web).
  std::function<ChannelLimits(const ChannelSettings&)> limits;
  // Whether its connectors keep OAuth pairs in ConnectorContext::vault: the
  // daemon opens the token store only when a configured channel needs it.
  bool needs_vault = false;
  // When the grant behind a stored pair stops working and a person must
  // act (an admin re-authorises loa), for the token-expiry metric, alert and
  // /api/status; null for a type whose credentials carry no such date.
  std::function<TimePoint(const TokenPair&)> credential_expiry;
  // Builds the connector. The factory reads nothing itself: secrets, vault
  // and clock come in the context.
  std::function<Result<std::unique_ptr<Connector>>(const ConnectorContext&)> make;
  // What the connector would send for `request` (the item, channel and due
  // time; media_dir is not read), built by the same functions it sends
  // with, for `loa preview` and GET /preview/ID (daemon/preview.h). Null
  // for a type that cannot say: the preview then shows the item's own
  // rendering and says so.
  std::function<ChannelPreview(const ChannelSettings&, const PublishRequest&)> preview;
};

}  // namespace loa
