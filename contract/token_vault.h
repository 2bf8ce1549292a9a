// Where a channel's OAuth pair lives between calls. A platform that rotates
// single-use refresh tokens (Zalo) loses its grant if a new pair is lost, so
// Save is durable before it returns. Connectors get a vault injected; the
// queue's TokenStore is the one the daemon uses. Token values are secrets:
// never in an error message.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"

namespace loa {

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  TimePoint access_expires_at{};
  // When the platform issued the pair: refreshing early is planned from it.
  TimePoint obtained_at{};
};

class TokenVault {
 public:
  virtual ~TokenVault() = default;
  // The channel's pair, nullopt when none was ever saved. Thread-safe.
  virtual Result<std::optional<TokenPair>> Load(const std::string& channel) = 0;
  // Replaces the channel's pair, on disk before it returns. Thread-safe.
  virtual Status Save(const std::string& channel, const TokenPair& pair) = 0;
};

}  // namespace loa
