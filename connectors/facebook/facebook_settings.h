// The `facebook` channel's own config keys: a Facebook Page through the
// Graph API (docs/platforms.md; connectors/facebook/facebook_type.cc).
#pragma once

#include <string>

#include "config/config.h"

namespace loa {

struct FacebookSettings : ChannelSettings {
  std::string page_id;
  std::string graph_base_url = "https://graph.facebook.com/v21.0";  // version pinned here
  std::string page_token_file;                                      // read by the registry
  std::string app_secret_file;  // optional: "" when the app does not require appsecret_proof
  HttpSettings http;
};

}  // namespace loa
