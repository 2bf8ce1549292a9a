// The `zalo` channel's own config keys: a Zalo Official Account (articles)
// with OAuth v4 token refresh (docs/platforms.md; connectors/zalo/zalo_type.cc).
#pragma once

#include <string>

#include "config/config.h"

namespace loa {

struct ZaloSettings : ChannelSettings {
  std::string app_id;
  std::string secret_key_file;     // the app's secret key, read by the registry
  std::string refresh_token_file;  // only seeds the first refresh; tokens then live in the vault
  std::string api_base_url = "https://openapi.zalo.me";
  std::string oauth_base_url = "https://oauth.zaloapp.com";
  std::string author;          // article author, <= 50 characters
  std::string cover_url;       // default cover image (public URL), required
  std::string media_base_url;  // optional public prefix serving MediaDir(): "<prefix>/<id>/<name>"
  HttpSettings http;
};

}  // namespace loa
