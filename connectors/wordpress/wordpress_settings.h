// The `wordpress` channel's own config keys
// (connectors/wordpress/wordpress_type.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config/config.h"

namespace loa {

struct WordPressSettings : ChannelSettings {
  std::string base_url;  // site root, no trailing slash
  std::string username;
  std::string app_password_file;              // read by the registry (ReadSecret)
  std::map<std::string, int64_t> categories;  // topic -> category id
  HttpSettings http;
};

}  // namespace loa
