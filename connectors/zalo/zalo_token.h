// Zalo OA access tokens (OAuth v4): where they come from and when they are
// renewed. Zalo's refresh tokens are single-use: each refresh consumes the
// old one and answers a new pair; a lost pair means an OA admin must
// re-authorise loa in a browser. So refreshes run one at a time, and a new
// pair is committed to the TokenVault (the daemon's TokenStore) the moment it arrives, before
// anyone uses it. The access token lives 25 h; it is renewed once 80% of its life has passed, so a
// slow or failed refresh never leaves the channel without a valid token.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "connectors/http/http_client.h"
#include "connectors/zalo/zalo_settings.h"
#include "contract/connector.h"
#include "contract/token_vault.h"

namespace loa {

class ZaloTokenManager {
 public:
  // An access token to send, or why there is none: kAuth (a person must act)
  // or kTransient/kRateLimited (try later).
  using TokenResult = std::variant<std::string, Outcome>;

  // Reads the refresh token an admin installed (refresh_token_file).
  using SeedReader = std::function<Result<std::string>()>;

  // Testing seam: runs after a refreshed pair is committed and before it is
  // handed to anyone.
  using CommitObserver = std::function<void()>;

  // The seed is read only when the store holds no pair for `channel`, or
  // when Zalo refused the stored refresh token (an admin may have installed
  // a new one since). `store` and `clock` must outlive the manager.
  static Result<std::unique_ptr<ZaloTokenManager>> Create(std::string channel,
                                                          const ZaloSettings& settings,
                                                          std::string secret_key,
                                                          SeedReader read_seed, TokenVault& store,
                                                          const Clock& clock);

  // The current access token, refreshed first when none is stored, when it
  // has expired, or when 80% of its lifetime has passed. Thread-safe; one
  // refresh at a time, and callers waiting on it share its result.
  TokenResult AccessToken();

  // Zalo refused `refused_access_token` (-216, -220, -124): refresh now,
  // unless another caller already replaced that token.
  TokenResult ForceRefresh(const std::string& refused_access_token);

  void SetCommitObserver(CommitObserver observer);

  // The share of a token's lifetime after which it is renewed.
  static constexpr double kRefreshAt = 0.8;
  // How long a refresh token works (docs/platforms.md, Zalo: 3 months).
  // Zalo's answer does not say, so it is counted from when the pair was
  // obtained; each refresh starts it again, so only a channel left without
  // a call for that long loses its grant.
  static constexpr Millis kRefreshTokenLifetime = std::chrono::days(90);

 private:
  ZaloTokenManager(std::string channel, ZaloSettings settings, Url oauth, std::string secret_key,
                   SeedReader read_seed, TokenVault& store, const Clock& clock);

  struct Exchanged {
    TokenPair pair;
    bool lifetime_known = true;  // false: expires_in was missing or unreadable
  };
  // A new pair from Zalo, or the Outcome of a refresh that did not work.
  // `refused` is set when Zalo answered and refused the refresh token.
  std::variant<Exchanged, Outcome> Exchange(const std::string& refresh_token, bool* refused);
  TokenResult RefreshLocked();
  // Loads the stored pair once; retries a pair whose save failed.
  std::optional<Outcome> PrepareLocked();
  TokenResult CommitLocked(TokenPair pair);
  std::string Scrub(std::string text, const std::string& extra = "") const;
  TimePoint RefreshDue(const TokenPair& pair) const;

  const std::string channel_;
  const ZaloSettings settings_;
  const Url oauth_;
  const std::string secret_key_;
  const SeedReader read_seed_;
  TokenVault& store_;
  const Clock& clock_;

  std::mutex mu_;
  bool loaded_ = false;
  std::optional<TokenPair> pair_;     // as committed
  std::optional<TokenPair> unsaved_;  // received, but its commit failed
  CommitObserver on_commit_;
};

}  // namespace loa
