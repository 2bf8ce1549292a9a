// The `zalo` connector: articles on a Zalo Official Account (OA API v2.0,
// OAuth v4 tokens through ZaloTokenManager). Articles reference images by
// public URL: with media_base_url the item's images (served from loa's
// media folder by the department's web server) become the cover and image
// blocks; without it the cover is cover_url and the article is text only.
// Creation is asynchronous (article/create answers a token, article/verify
// the id later). The connector never waits for it: while Zalo is still
// creating, Publish answers Outcome::Pending with a resume token (the poll's
// number and Zalo's token, no credential) and the engine calls again with it
// after VerifyBackoff()'s wait, for one poll each time. Zalo has no
// idempotency key: before creating again, a retry (and a restart) looks the
// article up by title among every article since a day before the due time
// (article/getslice, page after page), and only once a create still in
// flight can no longer land.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "connectors/http/http_client.h"
#include "connectors/http/lost_create.h"
#include "connectors/zalo/zalo_article.h"
#include "connectors/zalo/zalo_settings.h"
#include "connectors/zalo/zalo_token.h"
#include "contract/connector.h"

namespace loa {

class ZaloConnector : public Connector {
 public:
  // What the channel type's factory hands in (connectors/zalo/zalo_type.cc):
  // the connector reads no file and opens no database itself.
  struct Injected {
    std::string secret_key;                  // secret_key_file's content
    ZaloTokenManager::SeedReader read_seed;  // reads refresh_token_file, when needed
    TokenVault* vault = nullptr;             // keeps the OAuth pair between calls
    const Clock* clock = nullptr;
  };

  // `max_attempts` is the channel's retry.max_attempts (0: unknown).
  static Result<std::unique_ptr<ZaloConnector>> Create(const ZaloSettings& settings,
                                                       const std::string& channel, int max_attempts,
                                                       Injected injected);
  ~ZaloConnector() override;

  // Without a resume token: looks up first (from the second attempt on),
  // creates, and polls article/verify once; Pending while Zalo is still
  // creating. With one: polls once more. After the last poll of
  // VerifyBackoff() the article is treated like a create whose answer was
  // lost (connectors/http/lost_create.h): looked up again before anything
  // is created.
  Outcome Publish(const PublishRequest& request) override;
  // Looks the article up by title (FindArticle): found -> kPublished; not
  // found, or the lookup failed -> kAbsent with not_before = now +
  // LandingTime() (a create sent before the restart may land until then,
  // and the next Publish looks first); on the last attempt, kUnknown.
  Reconciliation Reconcile(const PublishRequest& request) override;
  // article/remove; an article Zalo no longer has counts as removed.
  Outcome Retract(const PublishRequest& request, const std::string& remote_id) override;

  ZaloTokenManager& tokens() { return *tokens_; }

  // How long the engine waits before each article/verify poll after the
  // first: 0.5 s, 1 s, 2 s, 4 s (7.5 s in all).
  static const std::vector<Millis>& VerifyBackoff();
  // How far before the due time a found article may have been created and
  // still count as this item's.
  static constexpr Millis kLookupSlack = std::chrono::hours(24);
  // Articles per article/getslice page, and pages read before the lookup
  // gives up (and says it cannot tell) rather than read without end.
  static constexpr int kSlicePageSize = 20;
  static constexpr int kMaxSlicePages = 25;
  // How long after a create was sent its article may still appear: the
  // request timeout, the verify polls loa itself grants Zalo's asynchronous
  // creation (VerifyBackoff), and a margin.
  Millis LandingTime() const;

 private:
  // A call Zalo refused or that got no usable answer; zalo_error is Zalo's
  // "error" (0 when the failure was not one).
  using Failure = ZaloAnswer;  // with ok == false
  using CallResult = std::variant<nlohmann::json, Failure>;
  struct Found {
    std::string id;
    std::string link;
  };
  using LookupResult = std::variant<std::optional<Found>, Outcome>;

  ZaloConnector(std::string channel, ZaloSettings settings, Url api, const Clock& clock,
                int max_attempts);

  // One API call with the access token; a refused token is refreshed once
  // and the call repeated once.
  CallResult Call(const std::string& method, const std::string& route,
                  const std::optional<nlohmann::json>& body, RequestKind kind);
  // Polls article/verify once (`resume.poll`: 0 right after the create):
  // Published once Zalo knows the id, else Pending until the polls are
  // used up.
  Outcome VerifyOnce(const PublishRequest& request, const ZaloVerifyResume& resume);
  // The article's public link from getdetail; "" when it cannot be had.
  std::string ArticleLink(const std::string& id);
  // The item's article, by title, among those created since a day before
  // the due time.
  LookupResult FindArticle(const PublishRequest& request);
  // A create whose answer was lost may still land: how long, and the
  // answers that wait for it (connectors/http/lost_create.h).
  LostCreateWait LostCreate() const {
    return {LandingTime(), max_attempts_, "the article", "on the Official Account"};
  }

  const std::string channel_;
  const ZaloSettings settings_;
  const Url api_;
  std::unique_ptr<ZaloTokenManager> tokens_;
  const Clock& clock_;
  const int max_attempts_;  // the channel's retry.max_attempts (0: unknown)
};

}  // namespace loa
