// The `webhook` channel's own config keys (connectors/webhook/webhook_type.cc).
#pragma once

#include <string>

#include "config/config.h"

namespace loa {

struct WebhookSettings : ChannelSettings {
  std::string url;
  std::string secret_file;  // read by the registry (ReadSecret)
  HttpSettings http;
};

}  // namespace loa
