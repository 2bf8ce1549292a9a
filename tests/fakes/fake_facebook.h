// An in-process Facebook Graph API (Pages) over real HTTP on loopback, for
// connector and end-to-end tests. It speaks Graph's wire format: form and
// multipart parameters, {"id"} / {"id","post_id"} answers, the error
// envelope {"error":{"message","type","code","error_subcode","fbtrace_id"}}.
// Its lists (/feed, /scheduled_posts) page as Graph's do: `limit` (25 by
// default, at most 100), `since` (Unix seconds), and a paging.next link
// (with an `after` cursor) only while more posts remain.
// It checks access_token and appsecret_proof on every call, refuses a
// message posted twice in a row (506) as Facebook does, and can be told to
// fail the ways Graph fails: throttling, codes 1/2 after doing the work,
// 5xx, hangs, dropped connections, an expired token.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/fakes/fake_server.h"

namespace loa::fakes {

class FakeFacebook : public FakeServer {
 public:
  struct Photo {
    std::string id;
    std::string caption;
    bool published = true;
    std::string filename;  // multipart filename; empty when sent by `url`
    std::string content_type;
    std::string data;
    std::string url;  // the `url` parameter, when used instead of a file
  };
  struct Video {
    std::string id;
    std::string title;
    std::string description;
    std::string filename;
    std::string content_type;
    std::string data;
    std::string post_id;  // the feed post it made
  };
  struct Post {
    std::string id;  // "{page}_{n}"
    std::string message;
    std::string link;
    std::vector<std::string> attached_media;  // photo ids, in attached_media[i] order
    std::string photo_id;                     // a one-photo post
    std::string video_id;                     // a video post
    std::string created_time;                 // Graph's "2026-12-02T01:00:05+0000"
    TimePoint created{};                      // the same, for `since`
    std::string permalink_url;
    bool scheduled = false;  // in /scheduled_posts rather than /feed
    bool deleted = false;
  };
  struct Request {
    std::string method;
    std::string path;                           // without the query
    std::map<std::string, std::string> params;  // query, form and multipart text fields
    std::vector<std::string> files;             // multipart file field names
    bool token_ok = false;                      // access_token matched
    bool proof_ok = false;                      // appsecret_proof matched (or not required)
    int status = 0;  // what the fake answered; 0 when it dropped the connection
  };

  // Starts listening on 127.0.0.1 at a free port. With an `app_secret`
  // every call must carry appsecret_proof = HMAC-SHA256(app_secret, token).
  // `clock` stamps created_time (default: the system clock).
  FakeFacebook(std::string page_id, std::string page_token, std::string app_secret = "",
               const Clock* clock = nullptr);
  ~FakeFacebook();
  FakeFacebook(const FakeFacebook&) = delete;
  FakeFacebook& operator=(const FakeFacebook&) = delete;

  // "http://127.0.0.1:<port>/v21.0": facebook.graph_base_url.
  std::string graph_base_url() const;
  const std::string& page_id() const { return page_id_; }

  // Every post ever made, deleted ones included (see Post::deleted).
  std::vector<Post> posts() const;
  std::vector<Photo> photos() const;
  std::vector<Video> videos() const;
  std::vector<Request> requests() const;
  // Requests whose method and path (without query) match.
  size_t CountRequests(const std::string& method, const std::string& path) const;
  // "/v21.0/{page}/{edge}".
  std::string PagePath(const std::string& edge) const;

  // A post put on the Page another way (by hand, an earlier run).
  // `created` defaults to the clock's now.
  Post AddPost(const std::string& message, std::optional<TimePoint> created = std::nullopt,
               bool scheduled = false);

  // Faults, applied to the next matching requests in the order given.
  struct Fault {
    enum class Kind {
      kError,             // answer the error; nothing is done
      kErrorAfterCreate,  // do the work, then answer the error (codes 1/2 do this)
      kDropAfterCreate,   // do the work, then close the connection without an answer
      kHang,              // wait `hang` (longer than the client's timeout), do nothing
      kSlowCreate,        // wait `hang`, then do the work and answer (the client may be gone)
    };
    Kind kind = Kind::kError;
    int http_status = 500;
    int code = 2;
    int subcode = 0;
    bool is_transient = false;
    std::string message = "An unexpected error has occurred. Please retry your request later.";
    std::string type = "OAuthException";
    std::map<std::string, std::string> headers;  // extra answer headers
    std::string method;                          // only this method; empty: any
    std::string edge;  // only paths ending "/<edge>" ("feed", "photos", ...); empty: any
    std::chrono::milliseconds hang{0};
  };
  void InjectFault(const Fault& fault, int count = 1);
  // Code 32 "Page request limit reached" with an X-Page-Usage header that
  // says access returns in `minutes` (no estimate when 0).
  void RateLimitNext(int count, int minutes);
  // Code 2 (HTTP 500) after the post was made, on the next create on `edge`.
  void ErrorAfterCreateNext(const std::string& edge, int code = 2);
  // The next create on `edge` is made, then the connection is dropped.
  void DropAfterCreateNext(const std::string& edge);
  // From now on every call answers 190/463 "Session has expired".
  void ExpireToken();
  // Whether a message equal to the previous post's is refused with 506
  // "Duplicate status message" (Facebook does; default true).
  void SetRejectDuplicates(bool reject);

 private:
  void Route();
  // Checks access_token and appsecret_proof; answers and returns false
  // when they fail.
  bool CheckAuth(const httplib::Request& req, httplib::Response& res);
  // For /{page}/... routes: the page in the path is this fake's page.
  bool CheckPage(const httplib::Request& req, httplib::Response& res);
  // The matching fault, removed from the queue.
  std::optional<Fault> TakeFault(const httplib::Request& req);
  void Record(const httplib::Request& req, int status);
  std::string Param(const httplib::Request& req, const std::string& name) const;
  bool HasParam(const httplib::Request& req, const std::string& name) const;

  // Create handlers return the answer JSON, or nullopt after answering an
  // error themselves.
  std::optional<nlohmann::json> CreateFeedPost(const httplib::Request& req, httplib::Response& res);
  std::optional<nlohmann::json> CreatePhoto(const httplib::Request& req, httplib::Response& res);
  std::optional<nlohmann::json> CreateVideo(const httplib::Request& req, httplib::Response& res);
  void HandleCreate(const httplib::Request& req, httplib::Response& res,
                    std::optional<nlohmann::json> (FakeFacebook::*create)(const httplib::Request&,
                                                                          httplib::Response&));
  void HandleList(const httplib::Request& req, httplib::Response& res, bool scheduled);
  void HandleGetObject(const httplib::Request& req, httplib::Response& res);
  void HandleDelete(const httplib::Request& req, httplib::Response& res);

  Post& InsertPostLocked(const std::string& message, TimePoint created);
  nlohmann::json PostFields(const Post& post, const std::string& fields) const;
  std::string GraphTime(TimePoint t) const;

  std::string page_id_;
  std::string token_;
  std::string proof_;  // "" when no app secret is required
  const Clock* clock_;

  RequestLog<Request> requests_;
  FaultQueue<Fault> faults_;

  mutable std::mutex mu_;
  std::vector<Post> posts_;
  std::vector<Photo> photos_;
  std::vector<Video> videos_;
  bool token_expired_ = false;
  bool reject_duplicates_ = true;
  int64_t next_id_ = 1000;
};

}  // namespace loa::fakes
