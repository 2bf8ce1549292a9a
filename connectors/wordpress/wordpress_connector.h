// The `wordpress` connector: WordPress REST API (core >= 5.6) with an
// Application Password. Media go to /wp/v2/media, the post to /wp/v2/posts
// with status "publish", slug WordPressSlug(id) and LoaItemMarker(id) first
// in its content (connectors/wordpress/wordpress_slug.h). WordPress has no
// idempotency key, and a second post with a taken slug silently becomes
// "slug-2", so every attempt first looks the post up (by slug, then by the
// marker): a retry after a lost answer finds the post instead of creating
// it again. A create whose answer was lost is retried no sooner than it can
// still land (the request timeout), so that lookup sees it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <httplib.h>

#include "base/result.h"
#include "config/config.h"
#include "connectors/http/http_client.h"
#include "connectors/http/lost_create.h"
#include "connectors/http/media_stream.h"
#include "connectors/wordpress/wordpress_post.h"
#include "connectors/wordpress/wordpress_settings.h"
#include "contract/connector.h"

namespace loa {

class WordPressConnector : public Connector {
 public:
  // `app_password` is the secret's content (spaces, as WordPress shows it,
  // are removed). `max_attempts` is the channel's retry.max_attempts (0:
  // unknown): on the last attempt nothing will look the post up again, so a
  // create that may have landed is `uncertain` there rather than a retry.
  // Fails on a bad base_url or plain http:// to a remote host.
  static Result<std::unique_ptr<WordPressConnector>> Create(const Clock& clock,
                                                            const WordPressSettings& settings,
                                                            std::string app_password,
                                                            int max_attempts = 0);

  Outcome Publish(const PublishRequest& request) override;
  // The lookup: found -> kPublished; not found, or the site cannot answer
  // -> kAbsent with not_before = now + timeout + a margin (a create sent
  // before the restart may still land until then, and the next Publish
  // looks up first); on the last attempt, kUnknown instead.
  Reconciliation Reconcile(const PublishRequest& request) override;
  // DELETE /wp/v2/posts/{id} without force: the post goes to the trash, where
  // an editor can still restore it. Already trashed (410) or no such post
  // (404 rest_post_invalid_id) count as gone. Without a stored id the post
  // is found by the lookup.
  Outcome Retract(const PublishRequest& request, const std::string& remote_id) override;

  // How long after a create was sent it may still land: the request
  // timeout plus this margin.
  static constexpr Millis kLandingMargin = kLostCreateMargin;

 private:
  struct Found {
    std::string id;
    std::string link;
    std::string slug;
  };
  // The post loa made for an item (any status but trash), nullopt when
  // there is none, or the Outcome of a failed lookup.
  using LookupResult = std::variant<std::optional<Found>, Outcome>;

  WordPressConnector(const Clock& clock, WordPressSettings settings, Url base, std::string password,
                     int max_attempts);

  std::unique_ptr<httplib::Client> Client() const;
  std::string ApiPath(std::string_view route) const;
  LookupResult LookUp(httplib::Client& client, const std::string& id) const;
  // One page of GET /wp/v2/posts?<query> (every status but trash, raw
  // content): appends the posts carrying `marker` to `ours`; sets
  // `total_pages` from X-WP-TotalPages. An Outcome when the request failed.
  std::optional<Outcome> ListOurs(httplib::Client& client, const std::string& query,
                                  const std::string& marker, std::vector<Found>& ours,
                                  int64_t& total_pages) const;
  // WordPress needs no `uncertain` for a create whose answer was lost (read
  // timeout, dropped connection, 5xx, a 2xx without a post id): every
  // Publish looks the post up (LookUp) before it creates, so sending again
  // is safe once a create still in flight can no longer land; only the last
  // attempt, with no later lookup, is `uncertain` (connectors/http/lost_create.h).
  LostCreateWait LostCreate() const {
    return {settings_.http.timeout + kLandingMargin, max_attempts_, "the post", "on the site"};
  }
  // Sends the file as it is read from the media folder (StreamedBody); a
  // file changed since acceptance fails permanently before its last byte.
  std::variant<WordPressUpload, Outcome> Upload(httplib::Client& client, const MediaFile& media,
                                                MediaReader data) const;
  // Maps a non-2xx answer to an Outcome (ClassifyWordPressAnswer).
  Outcome Classify(const httplib::Response& response, const std::string& what) const;

  const Clock& clock_;
  WordPressSettings settings_;
  Url base_;
  std::string password_;
  int max_attempts_ = 0;
};

}  // namespace loa
