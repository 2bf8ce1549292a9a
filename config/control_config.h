// The `control` section: where the daemon's control server listens and
// which file holds its bearer token (docs/control-api.md).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace loa {

// A listen address: an IPv4 literal or a bracketed IPv6 literal, and a port.
struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1"
  int port = 0;
  bool loopback = false;  // 127.0.0.0/8 or ::1: reads need no token

  // "127.0.0.1:8470", "[::1]:8470".
  std::string ToString() const;
};

// "127.0.0.1:8470", "[::1]:8470", "0.0.0.0:8470". Host names are refused:
// what the server binds to must not depend on name resolution. The port is
// 1 to 65535, or 0 when `allow_any_port` (tests: the kernel picks one).
Result<ListenAddress> ParseListenAddress(std::string_view text, bool allow_any_port = false);

struct ControlConfig {
  // "" when the control server is off.
  std::string listen = "127.0.0.1:8470";
  ListenAddress address{"127.0.0.1", 8470, true};
  // A *_file name read through ReadSecret (config/secrets.h); "" means loa's
  // own token in state_dir/control-token.
  std::string token_file;

  bool enabled() const { return !listen.empty(); }
};

}  // namespace loa
