// The `zalo` connector: articles on a Zalo Official Account (OA API v2.0,
// OAuth v4 tokens through ZaloTokenManager). Articles reference images by
// public URL: with media_base_url the item's images (served from loa's
// media folder by the department's web server) become the cover and image
// blocks; without it the cover is cover_url and the article is text only.
// Creation is asynchronous (article/create answers a token, article/verify
// the id later), and Zalo has no idempotency key: before creating again, a
// retry looks the article up by title in the OA's latest articles.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/http_client.h"
#include "connectors/zalo_token.h"
#include "queue/token_store.h"

namespace loa {

class ZaloConnector : public Connector {
 public:
  struct Seams {
    const Clock* clock = nullptr;       // default: SystemClock()
    std::function<void(Millis)> sleep;  // between verify polls; default: a real sleep
  };

  // Reads secret_key_file and refresh_token_file (ReadSecret) and opens the
  // token store in config.DatabasePath().
  static Result<std::unique_ptr<ZaloConnector>> Create(const ZaloSettings& settings,
                                                       const ChannelConfig& channel,
                                                       const Config& config);
  static Result<std::unique_ptr<ZaloConnector>> Create(const ZaloSettings& settings,
                                                       const ChannelConfig& channel,
                                                       const Config& config, Seams seams);
  ~ZaloConnector() override;

  Outcome Publish(const PublishRequest& request) override;
  // Looks the article up by title among the OA's latest articles.
  Reconciliation Reconcile(const PublishRequest& request) override;
  // article/remove; an article Zalo no longer has counts as removed.
  Outcome Retract(const PublishRequest& request, const std::string& remote_id) override;

  ZaloTokenManager& tokens() { return *tokens_; }

  // Waits between article/verify polls: 0.5 s, 1 s, 2 s, 4 s (7.5 s in all).
  static const std::vector<Millis>& VerifyBackoff();
  // How far before the due time a found article may have been created and
  // still count as this item's.
  static constexpr Millis kLookupSlack = std::chrono::hours(24);

 private:
  // A call Zalo refused or that got no usable answer; zalo_error is Zalo's
  // "error" (0 when the failure was not one).
  struct Failure {
    Outcome outcome;
    long long zalo_error = 0;
  };
  using CallResult = std::variant<nlohmann::json, Failure>;
  struct Found {
    std::string id;
    std::string link;
  };
  using LookupResult = std::variant<std::optional<Found>, Outcome>;

  ZaloConnector(std::string channel, ZaloSettings settings, Url api,
                std::unique_ptr<TokenStore> store, const Clock& clock,
                std::function<void(Millis)> sleep);

  // One API call with the access token; a refused token is refreshed once
  // and the call repeated once.
  CallResult Call(const std::string& method, const std::string& route,
                  const std::optional<nlohmann::json>& body, RequestKind kind);
  // Polls article/verify until Zalo knows the article's id.
  Outcome AwaitArticle(const std::string& key, const std::string& token);
  // The article's public link from getdetail; "" when it cannot be had.
  std::string ArticleLink(const std::string& id);
  // The item's article among the OA's latest, by title and creation time.
  LookupResult FindArticle(const PublishRequest& request);
  nlohmann::json BuildArticle(const PublishRequest& request) const;
  std::string MediaUrl(const std::string& item_id, const std::string& name) const;

  const std::string channel_;
  const ZaloSettings settings_;
  const Url api_;
  std::unique_ptr<TokenStore> store_;  // before tokens_, which uses it
  std::unique_ptr<ZaloTokenManager> tokens_;
  const Clock& clock_;
  const std::function<void(Millis)> sleep_;

  std::mutex mu_;
  // Articles created but not yet verified, by PublishRequest::IdempotencyKey:
  // the next try asks about this token instead of creating again.
  std::map<std::string, std::string> pending_verify_;
};

}  // namespace loa
