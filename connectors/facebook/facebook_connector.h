// The `facebook` connector: a Facebook Page through the Graph API. A text or
// link post goes to /{page}/feed, one image to /{page}/photos, several
// images as unpublished photos attached to one /feed post, a video to
// /{page}/videos (a video makes the post: images beside it are not sent,
// as one Page post cannot hold both). The message is RenderForChannel's
// text. Graph has no idempotency key, so before a retry creates anything,
// and after a restart, the Page's posts since a day before the due time
// are searched for the item's message (every page of /feed and
// /scheduled_posts, following paging.next). An answer that leaves the
// outcome open (codes 1/2, a timeout, a dropped connection) is `uncertain`;
// a 5xx after a create is retried, and a restart looks again, only once a
// create still in flight can no longer land.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/result.h"
#include "config/config.h"
#include "connectors/facebook/facebook_settings.h"
#include "connectors/facebook/graph_errors.h"
#include "connectors/http/http_client.h"
#include "connectors/http/lost_create.h"
#include "contract/connector.h"

namespace loa {

class FacebookConnector : public Connector {
 public:
  // `page_token` and `app_secret` are the secrets' contents; `app_secret`
  // may be empty (then no appsecret_proof is sent). Fails on a bad
  // graph_base_url, plain http:// to a remote host, or an empty token.
  // `max_attempts` is the channel's retry.max_attempts (0: unknown): on the
  // last attempt no later lookup will tell whether a create landed.
  static Result<std::unique_ptr<FacebookConnector>> Create(const Clock& clock,
                                                           const FacebookSettings& settings,
                                                           std::string page_token,
                                                           std::string app_secret,
                                                           int max_attempts = 0);
  ~FacebookConnector() override;

  // From the second attempt on, looks for the post first (see above).
  Outcome Publish(const PublishRequest& request) override;
  // Searches the Page's feed and scheduled posts for the item's message:
  // found -> kPublished; not found, or the lookup failed -> kAbsent with
  // not_before = now + timeout + kLandingMargin (a create sent before the
  // restart may land until then, and the next Publish looks first); on the
  // last attempt, kUnknown instead.
  Reconciliation Reconcile(const PublishRequest& request) override;
  // DELETE /{post-id}; a post that no longer exists counts as taken down.
  Outcome Retract(const PublishRequest& request, const std::string& remote_id) override;

  // How long after a create was sent it may still land: the request
  // timeout plus this margin.
  static constexpr Millis kLandingMargin = kLostCreateMargin;
  // Posts asked for per page of a list, and pages read before the lookup
  // gives up (and says it cannot tell) rather than read without end.
  static constexpr int kListPageSize = 100;
  static constexpr int kMaxListPages = 10;

 private:
  struct Found {
    std::string id;
    std::string permalink;
  };
  // The matching post, nullopt when there is none, or the failed lookup.
  using LookupResult = std::variant<std::optional<Found>, Outcome>;
  // A successful answer's JSON body, or the Outcome of a failed call.
  using CallResult = std::variant<nlohmann::json, Outcome>;

  FacebookConnector(const Clock& clock, FacebookSettings settings, Url base, std::string token,
                    std::string secret, int max_attempts);

  std::unique_ptr<httplib::Client> Client() const;
  // access_token, and appsecret_proof when an app secret is configured.
  httplib::Params AuthParams() const;
  std::string GraphPath(std::string_view path) const;
  // `text` with the token, secret and proof blanked out: Graph's messages
  // are quoted in outcomes and must never carry them.
  std::string Scrub(std::string text) const;

  // Turns an answer (or its absence) into a JSON body or an Outcome.
  // `kind` says whether repeating the call could post twice.
  CallResult Read(const httplib::Result& result, const std::string& what, RequestKind kind) const;
  // Maps a Graph error answer to an Outcome (graph_errors.h).
  Outcome ClassifyAnswer(const httplib::Response& response, const std::string& what,
                         RequestKind kind) const;
  static bool IsDuplicateRefusal(const httplib::Result& result);

  CallResult Get(httplib::Client& client, const std::string& path, httplib::Params params,
                 const std::string& what) const;
  // Form fields (name, value) of a media upload.
  using Fields = std::vector<std::pair<std::string, std::string>>;
  // POSTs `fields`, the auth params and the media file as part "source",
  // streamed from `media_dir` (connectors/http/media_stream.h). An Outcome
  // when the file is missing or changed since acceptance (nothing created).
  std::variant<httplib::Result, Outcome> PostMedia(httplib::Client& client, const std::string& path,
                                                   Fields fields, const MediaFile& media,
                                                   const std::filesystem::path& media_dir) const;

  // Searches the Page's posts, then its scheduled ones, for `message`
  // created no earlier than a day before `due_at` (every page since then).
  LookupResult FindPost(httplib::Client& client, const std::string& message,
                        TimePoint due_at) const;
  LookupResult SearchList(httplib::Client& client, const std::string& edge,
                          const std::string& message, TimePoint due_at) const;
  // The post's permalink_url, or a www.facebook.com address built from the
  // id when that lookup fails (the post exists either way).
  std::string Permalink(httplib::Client& client, const std::string& post_id) const;
  Outcome PublishedAs(const Found& found, const std::string& how) const;
  // A create whose answer was lost may still land: how long, and the
  // answers that wait for it (connectors/http/lost_create.h).
  LostCreateWait LostCreate() const {
    return {settings_.http.timeout + kLandingMargin, max_attempts_, "the post", "on the Page"};
  }

  // Creates the post the item's media call for.
  Outcome Create(httplib::Client& client, const PublishRequest& request,
                 const std::string& message) const;
  // Reads a create's answer: the new post's id (under `id_key`) and its
  // permalink, or what went wrong.
  Outcome Finish(httplib::Client& client, const PublishRequest& request, const std::string& message,
                 const httplib::Result& result, const std::string& what, const char* id_key) const;
  // Codes 368/506: Graph refused a duplicate. The copy already on the Page
  // is this delivery; without one it fails as a duplicate, never looping.
  Outcome ResolveDuplicate(httplib::Client& client, const PublishRequest& request,
                           const std::string& message, const Outcome& refusal) const;

  const Clock& clock_;
  FacebookSettings settings_;
  Url base_;
  std::string token_;
  std::string secret_;
  std::string proof_;  // HmacSha256Hex(secret_, token_), "" without a secret
  int max_attempts_ = 0;
};

}  // namespace loa
