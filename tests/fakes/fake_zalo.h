// An in-process Zalo Official Account over real HTTP on loopback: the OAuth
// v4 token endpoint and the OA API v2.0 article calls, for connector and
// end-to-end tests. It checks the app's secret_key header and app_id,
// rotates single-use refresh tokens (a used one is refused afterwards),
// answers expires_in as a string, checks the access_token header (-216 when
// unknown or expired), answers with Zalo's envelopes
// ({"error":0,"message":"Success","data":...} / {"error":-N,"message":...}),
// and can be told to fail as the real service fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "tests/fakes/fake_server.h"

namespace loa::fakes {

class FakeZalo : public FakeServer {
 public:
  static constexpr const char* kTokenRoute = "/v4/oa/access_token";
  static constexpr const char* kCreateRoute = "/v2.0/article/create";
  static constexpr const char* kVerifyRoute = "/v2.0/article/verify";
  static constexpr const char* kDetailRoute = "/v2.0/article/getdetail";
  static constexpr const char* kSliceRoute = "/v2.0/article/getslice";
  static constexpr const char* kRemoveRoute = "/v2.0/article/remove";
  static constexpr const char* kUploadImageRoute = "/v2.0/oa/upload/image";

  struct Article {
    std::string id;
    std::string token;       // article/create's answer, for article/verify
    nlohmann::json request;  // the create body as sent
    std::string title;
    int64_t create_date = 0;  // Unix ms, from the fake's clock
    std::string link_view;
    bool removed = false;
  };
  struct Request {
    std::string method;
    std::string path;                           // without the query
    std::map<std::string, std::string> params;  // query or form parameters
    std::string access_token;                   // the access_token header
    std::string secret_key;                     // the secret_key header
    std::string body;
    int error = 0;   // Zalo's "error" in the answer
    int status = 0;  // HTTP status; 0 when the connection was dropped
  };

  // Starts on 127.0.0.1 at a free port. `initial_refresh_token` is what an
  // OA admin got by authorising the app; `clock` dates articles and tokens.
  FakeZalo(std::string app_id, std::string secret_key, std::string initial_refresh_token,
           const Clock& clock);
  ~FakeZalo();
  FakeZalo(const FakeZalo&) = delete;
  FakeZalo& operator=(const FakeZalo&) = delete;

  std::vector<Article> articles() const;  // removed ones included, marked
  std::vector<Request> requests() const;
  size_t CountRequests(const std::string& path) const;
  // Access tokens the fake has issued, oldest first.
  std::vector<std::string> issued_access_tokens() const;
  std::string current_refresh_token() const;

  // The OA admin re-authorises the app: a fresh refresh token, returned.
  std::string Reauthorise();
  // An article put on the OA directly (by an editor, or an earlier run).
  Article AddArticle(const std::string& title, int64_t create_date_ms);
  // The lifetime answered as expires_in (seconds, sent as a string).
  void SetExpiresIn(std::string expires_in);

  // Called for every API request (not OAuth) before it is handled, with the
  // route and the access_token header: lets a test look at the world at the
  // moment a token is first used.
  void SetOnApiRequest(std::function<void(const std::string& path, const std::string& token)> f);

  // ---- Faults -----------------------------------------------------------
  struct Fault {
    std::string path;  // only this route (kTokenRoute too); empty: any API route
    int error = 0;     // a Zalo error answered with HTTP 200 ...
    std::string message;
    int http_status = 0;                // ... or, when non-zero, this HTTP status
    std::chrono::milliseconds hang{0};  // wait this long before answering
  };
  void InjectFault(const Fault& fault, int count = 1);
  // The next `count` refreshes are refused with a non-zero error.
  void RefuseRefreshNext(int count = 1);
  // The next refresh is carried out (the old refresh token consumed), then
  // the connection is dropped before the answer arrives.
  void DropRefreshAnswerNext();
  // Every access token issued so far stops working now.
  void ExpireAccessTokensNow();
  // The next `count` creates store the article, wait `hang`, then drop the
  // connection before the client sees an answer.
  void DropAfterCreateNext(int count = 1, std::chrono::milliseconds hang = {});
  // article/verify answers "not ready" this many times per article first.
  void SetVerifyPendingPolls(int polls);

 private:
  void Route();
  void Record(const httplib::Request& req, int error, int status);
  bool TakeFault(const httplib::Request& req, httplib::Response& res, int* error);
  // The access_token header's check; false after answering -216.
  bool Authorised(const httplib::Request& req, httplib::Response& res, int* error);
  void HandleToken(const httplib::Request& req, httplib::Response& res, int* error, bool* dropped);
  void HandleCreate(const httplib::Request& req, httplib::Response& res, int* error, bool* dropped);
  void HandleVerify(const httplib::Request& req, httplib::Response& res, int* error);
  void HandleDetail(const httplib::Request& req, httplib::Response& res, int* error);
  void HandleSlice(const httplib::Request& req, httplib::Response& res, int* error);
  void HandleRemove(const httplib::Request& req, httplib::Response& res, int* error);
  void HandleUploadImage(const httplib::Request& req, httplib::Response& res, int* error);
  std::string NewToken(const char* kind);
  Article InsertArticleLocked(const std::string& title, int64_t create_date_ms);
  nlohmann::json ArticleSummary(const Article& a) const;

  const std::string app_id_;
  const std::string secret_key_;
  const Clock& clock_;

  RequestLog<Request> requests_;
  FaultQueue<Fault> faults_;

  mutable std::mutex mu_;
  std::set<std::string> refresh_tokens_;  // the ones that still work (single-use)
  std::string current_refresh_token_;
  struct AccessToken {
    std::string value;
    int64_t expires_at_ms = 0;
    bool expired = false;
  };
  std::vector<AccessToken> access_tokens_;
  std::string expires_in_ = "90000";
  std::vector<Article> articles_;
  std::map<std::string, int> verify_polls_;  // by article token
  int verify_pending_polls_ = 0;
  int refuse_refresh_ = 0;
  bool drop_refresh_answer_ = false;
  int drops_left_ = 0;
  std::chrono::milliseconds drop_hang_{0};
  int64_t next_id_ = 1;
  std::function<void(const std::string&, const std::string&)> on_api_request_;
};

}  // namespace loa::fakes
