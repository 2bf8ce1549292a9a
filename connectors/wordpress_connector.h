// The `wordpress` connector: WordPress REST API (core >= 5.6) with an
// Application Password. Media go to /wp/v2/media, the post to /wp/v2/posts
// with status "publish" and slug = item id. WordPress has no idempotency
// key, and a second post with a taken slug silently becomes "slug-2", so
// every attempt first looks the slug up: a retry after a lost answer finds
// the post instead of creating it again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <httplib.h>

#include "base/result.h"
#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/http_client.h"

namespace loa {

class WordPressConnector : public Connector {
 public:
  // `app_password` is the secret's content (spaces, as WordPress shows it,
  // are removed). Fails on a bad base_url or plain http:// to a remote host.
  static Result<std::unique_ptr<WordPressConnector>> Create(const WordPressSettings& settings,
                                                            std::string app_password);

  Outcome Publish(const PublishRequest& request) override;
  // The slug lookup: found -> kPublished, not found -> kAbsent, lookup
  // failed -> kUnknown.
  Reconciliation Reconcile(const PublishRequest& request) override;
  // DELETE /wp/v2/posts/{id} without force: the post goes to the trash, where
  // an editor can still restore it. Already trashed (410) or no such post
  // (404 rest_post_invalid_id) count as gone. Without a stored id the post
  // is found by its slug.
  Outcome Retract(const PublishRequest& request, const std::string& remote_id) override;

 private:
  struct Found {
    std::string id;
    std::string link;
  };
  struct Uploaded {
    int64_t id = 0;
    std::string source_url;
    std::string content_type;
    std::string caption;
  };
  // A post with this slug (any status but trash), nullopt when there is
  // none, or the Outcome of a failed lookup.
  using LookupResult = std::variant<std::optional<Found>, Outcome>;

  WordPressConnector(WordPressSettings settings, Url base, std::string password);

  std::unique_ptr<httplib::Client> Client() const;
  std::string ApiPath(std::string_view route) const;
  LookupResult LookUpSlug(httplib::Client& client, const std::string& slug) const;
  std::variant<Uploaded, Outcome> Upload(httplib::Client& client, const MediaFile& media,
                                         const std::string& data) const;
  // Maps a non-2xx answer to an Outcome, with WordPress's code and message.
  Outcome Classify(const httplib::Response& response, const std::string& what) const;

  WordPressSettings settings_;
  Url base_;
  std::string password_;
};

}  // namespace loa
