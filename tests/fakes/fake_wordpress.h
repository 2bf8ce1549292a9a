// An in-process WordPress REST API (core 6.1 behaviour) over real HTTP on
// loopback, for connector and end-to-end tests. It speaks the wire format
// and error envelopes of WordPress, checks Application Password auth,
// stores the slug sent as sanitize_title() makes it ("a.b" -> "a-b"), gives
// a second post with a taken slug "slug-2" as wp_unique_post_slug does,
// searches title, excerpt and content as WP_Query does (`search=`), answers
// `content.raw` only with context=edit, trashes deleted posts (status
// "trash", slug "<slug>__trashed"), and can be told to fail in the ways a
// real site fails.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/fakes/fake_server.h"

namespace loa::fakes {

class FakeWordPress : public FakeServer {
 public:
  struct Post {
    int64_t id = 0;
    std::string slug;
    std::string status;
    std::string title;
    std::string content;
    std::string excerpt;
    std::vector<int64_t> categories;
    int64_t featured_media = 0;
    std::string link;
    TimePoint committed_at{};  // when the post was stored (wall clock)
  };
  struct Media {
    int64_t id = 0;
    std::string filename;  // as sent in Content-Disposition
    std::string content_type;
    std::string data;
    std::string source_url;
  };
  struct Request {
    std::string method;
    std::string path;                           // without the query
    std::map<std::string, std::string> params;  // query parameters
    std::string content_type;
    std::string content_disposition;
    bool authenticated = false;
    size_t body_size = 0;
    int status = 0;  // what the fake answered; 0 when it dropped the connection
  };

  // Starts listening on 127.0.0.1 at a free port. `app_password` may be
  // given with or without WordPress's display spaces.
  FakeWordPress(std::string username, std::string app_password);
  ~FakeWordPress();
  FakeWordPress(const FakeWordPress&) = delete;
  FakeWordPress& operator=(const FakeWordPress&) = delete;

  std::vector<Post> posts() const;
  std::vector<Media> media() const;
  std::vector<Request> requests() const;
  // Requests whose method and path (without query) match.
  size_t CountRequests(const std::string& method, const std::string& path) const;

  // Faults, answered instead of the real thing, in the order given.
  struct Fault {
    int status = 500;
    std::optional<std::string> retry_after;  // Retry-After header value
    std::string code;  // WordPress error code; empty: what a site sends for `status`
    std::string message;
    std::string method;  // only requests with this method; empty: any
    std::string path;    // only this path ("/wp-json/wp/v2/posts"); empty: any
  };
  void InjectFault(const Fault& fault, int count = 1);
  // The next `count` requests (any route) answer `status`.
  void FailNext(int count, int status, std::optional<std::string> retry_after = std::nullopt);
  // The next `count` post creates store the post, wait `hang`, then drop
  // the connection before the client sees an answer.
  void DropAfterCreateNext(int count, std::chrono::milliseconds hang = {});
  // The next `count` post creates store the post, then answer `status` (a
  // fatal error after wp_insert_post, a proxy's 502): the post exists.
  void FailAfterCreateNext(int count, int status = 500);
  // The next `count` post creates wait `hang` before storing the post (a
  // slow site): a lookup meanwhile finds nothing. Then they answer as usual.
  void HangBeforeCreateNext(int count, std::chrono::milliseconds hang);
  // Waits (up to `timeout`) until a create is inside its HangBeforeCreateNext
  // hang; false on timeout.
  bool WaitForHangingCreate(std::chrono::milliseconds timeout) const;
  // Whether the user has unfiltered_html (Administrators and Editors on a
  // single site do; the default). Without it, wp_kses filters the content:
  // inside an HTML comment every run of '-' becomes one '-'.
  void SetUnfilteredHtml(bool unfiltered);
  // The user may create posts but not publish them (an Author-less role):
  // status "publish" answers 403 rest_cannot_publish.
  void SetCanPublish(bool can_publish);
  // The user may not delete posts (an Author on another's post, say):
  // DELETE answers 403 rest_cannot_delete.
  void SetCanDelete(bool can_delete);
  // A post put on the site directly (another editor, an earlier run); the
  // slug goes through sanitize_title and wp_unique_post_slug like any.
  Post AddPost(const std::string& slug, const std::string& status, const std::string& title,
               const std::string& content = "");

  // WordPress's sanitize_title() in the "save" context, for ASCII text
  // exactly (remove_accents is not modelled: other bytes are percent-encoded
  // as utf8_uri_encode does).
  static std::string SanitizeTitle(std::string_view title);

 private:
  void Route();
  bool Authenticated(const httplib::Request& req) const;
  // Applies the first pending fault matching `req`; true when it answered.
  bool TakeFault(const httplib::Request& req, httplib::Response& res);
  void Record(const httplib::Request& req, int status);
  void HandleListPosts(const httplib::Request& req, httplib::Response& res);
  // True when it dropped the connection (a DropAfterCreateNext fault).
  bool HandleCreatePost(const httplib::Request& req, httplib::Response& res);
  void HandleUploadMedia(const httplib::Request& req, httplib::Response& res);
  // DELETE /wp/v2/posts/{id}: to the trash, or for good with force=true.
  void HandleDeletePost(const httplib::Request& req, httplib::Response& res);
  Post InsertPostLocked(const std::string& slug, const std::string& status,
                        const std::string& title, const std::string& content);
  // context=edit adds the raw title, content and excerpt.
  nlohmann::json PostJson(const Post& p, bool edit = true) const;

  std::string username_;
  std::string password_;  // letters and digits only, as WordPress compares it

  RequestLog<Request> requests_;
  FaultQueue<Fault> faults_;

  mutable std::mutex mu_;
  std::vector<Post> posts_;
  std::vector<Media> media_;
  mutable std::condition_variable hang_cv_;
  int drops_left_ = 0;
  std::chrono::milliseconds drop_hang_{0};
  int fail_after_create_left_ = 0;
  int fail_after_create_status_ = 500;
  int hangs_before_create_left_ = 0;
  std::chrono::milliseconds hang_before_create_{0};
  int creates_hanging_ = 0;
  bool unfiltered_html_ = true;
  bool can_publish_ = true;
  bool can_delete_ = true;
  int64_t next_id_ = 100;
};

}  // namespace loa::fakes
