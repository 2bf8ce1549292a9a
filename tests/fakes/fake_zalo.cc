#include "tests/fakes/fake_zalo.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace loa::fakes {

namespace {

using nlohmann::json;

// Zalo does not document its OAuth error numbers; these stand for "refused".
constexpr int kOAuthInvalidAppId = -14001;
constexpr int kOAuthInvalidSecret = -14002;
constexpr int kOAuthInvalidGrant = -14003;
constexpr int kOAuthInvalidRefreshToken = -14014;

constexpr int kErrInvalidToken = -216;
constexpr int kErrInvalidParam = -201;
constexpr int64_t kMaxImageBytes = 1024 * 1024;

void SendJson(httplib::Response& res, const json& body) {
  res.status = 200;
  res.set_content(body.dump(), "application/json;charset=UTF-8");
}

void SendSuccess(httplib::Response& res, json data = nullptr) {
  json body = {{"error", 0}, {"message", "Success"}};
  if (!data.is_null()) body["data"] = std::move(data);
  SendJson(res, body);
}

void SendError(httplib::Response& res, int error, const std::string& message) {
  SendJson(res, json{{"error", error}, {"message", message}});
}

// The client never sees a whole answer: headers promise a body that never comes.
void DropConnection(httplib::Response& res) {
  res.status = 200;
  res.set_content_provider(1024, "application/json",
                           [](size_t, size_t, httplib::DataSink&) { return false; });
}

size_t CountCodePoints(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool IsNonEmptyString(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() && !it->get<std::string>().empty();
}

// The first problem Zalo would name in an article/create body, "" if none.
std::string InvalidArticleField(const json& body) {
  if (!body.is_object()) return "body";
  if (body.value("type", "") != "normal") return "type";
  if (!IsNonEmptyString(body, "title") || CountCodePoints(body["title"]) > 150) return "title";
  if (!IsNonEmptyString(body, "author") || CountCodePoints(body["author"]) > 50) return "author";
  if (!IsNonEmptyString(body, "description") || CountCodePoints(body["description"]) > 300) {
    return "description";
  }
  const json cover = body.value("cover", json());
  if (!cover.is_object() || cover.value("cover_type", "") != "photo" ||
      !IsNonEmptyString(cover, "photo_url") || cover.value("status", "") != "show") {
    return "cover";
  }
  const json blocks = body.value("body", json());
  if (!blocks.is_array() || blocks.empty()) return "body";
  for (const json& b : blocks) {
    if (!b.is_object()) return "body";
    std::string type = b.value("type", "");
    if (type == "text" && IsNonEmptyString(b, "content")) continue;
    if (type == "image" && IsNonEmptyString(b, "url")) continue;
    return "body";
  }
  std::string status = body.value("status", "show");
  if (status != "show" && status != "hide") return "status";
  std::string comment = body.value("comment", "show");
  if (comment != "show" && comment != "hide") return "comment";
  return "";
}

}  // namespace

FakeZalo::FakeZalo(std::string app_id, std::string secret_key, std::string initial_refresh_token,
                   const Clock& clock)
    : app_id_(std::move(app_id)), secret_key_(std::move(secret_key)), clock_(clock) {
  refresh_tokens_.insert(initial_refresh_token);
  current_refresh_token_ = std::move(initial_refresh_token);
  Route();
  Start();
}

FakeZalo::~FakeZalo() { Stop(); }

std::vector<FakeZalo::Article> FakeZalo::articles() const {
  std::lock_guard lock(mu_);
  return articles_;
}

std::vector<FakeZalo::Request> FakeZalo::requests() const { return requests_.All(); }

size_t FakeZalo::CountRequests(const std::string& path) const {
  return requests_.CountIf([&](const Request& r) { return r.path == path; });
}

std::vector<std::string> FakeZalo::issued_access_tokens() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& t : access_tokens_) out.push_back(t.value);
  return out;
}

std::string FakeZalo::current_refresh_token() const {
  std::lock_guard lock(mu_);
  return current_refresh_token_;
}

std::string FakeZalo::NewToken(const char* kind) {
  // Long and distinctive, like the real ones, so a test can search any text
  // for it.
  char tail[32];
  std::snprintf(tail, sizeof tail, "%06lld", static_cast<long long>(next_id_++));
  return std::string("ZL") + kind + "_q7Vw3xPk9TzR4mN8bYc2" + tail;
}

std::string FakeZalo::Reauthorise() {
  std::lock_guard lock(mu_);
  // A new authorisation replaces the grant: earlier refresh tokens die.
  refresh_tokens_.clear();
  current_refresh_token_ = NewToken("rt");
  refresh_tokens_.insert(current_refresh_token_);
  return current_refresh_token_;
}

FakeZalo::Article FakeZalo::InsertArticleLocked(const std::string& title, int64_t create_date_ms) {
  Article a;
  char id[24];
  std::snprintf(id, sizeof id, "9c6e5d0d9e48%08llx", static_cast<long long>(next_id_++));
  a.id = id;
  a.token = NewToken("at_article");
  a.title = title;
  a.create_date = create_date_ms;
  a.link_view = "https://zalo.me/oa/article/" + a.id;
  articles_.push_back(a);
  return a;
}

FakeZalo::Article FakeZalo::AddArticle(const std::string& title, int64_t create_date_ms) {
  std::lock_guard lock(mu_);
  Article a = InsertArticleLocked(title, create_date_ms);
  articles_.back().request = json{{"type", "normal"}, {"title", title}};
  a.request = articles_.back().request;
  return a;
}

void FakeZalo::SetExpiresIn(std::string expires_in) {
  std::lock_guard lock(mu_);
  expires_in_ = std::move(expires_in);
}

void FakeZalo::SetOnApiRequest(
    std::function<void(const std::string& path, const std::string& token)> f) {
  std::lock_guard lock(mu_);
  on_api_request_ = std::move(f);
}

void FakeZalo::InjectFault(const Fault& fault, int count) { faults_.Push(fault, count); }

void FakeZalo::RefuseRefreshNext(int count) {
  std::lock_guard lock(mu_);
  refuse_refresh_ = count;
}

void FakeZalo::DropRefreshAnswerNext() {
  std::lock_guard lock(mu_);
  drop_refresh_answer_ = true;
}

void FakeZalo::ExpireAccessTokensNow() {
  std::lock_guard lock(mu_);
  for (auto& t : access_tokens_) t.expired = true;
}

void FakeZalo::DropAfterCreateNext(int count, std::chrono::milliseconds hang) {
  std::lock_guard lock(mu_);
  drops_left_ = count;
  drop_hang_ = hang;
}

void FakeZalo::SetVerifyPendingPolls(int polls) {
  std::lock_guard lock(mu_);
  verify_pending_polls_ = polls;
}

void FakeZalo::Record(const httplib::Request& req, int error, int status) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params[k] = v;
  r.access_token = req.get_header_value("access_token");
  r.secret_key = req.get_header_value("secret_key");
  r.body = req.body;
  r.error = error;
  r.status = status;
  requests_.Add(std::move(r));
}

bool FakeZalo::TakeFault(const httplib::Request& req, httplib::Response& res, int* error) {
  // A fault without a path is for the API; the token endpoint's faults name it.
  std::optional<Fault> fault = faults_.TakeFirst([&](const Fault& x) {
    return x.path.empty() ? req.path != kTokenRoute : x.path == req.path;
  });
  if (!fault) return false;
  const Fault& f = *fault;
  if (f.hang.count() > 0) std::this_thread::sleep_for(f.hang);
  if (f.http_status != 0) {
    res.status = f.http_status;
    res.set_content("<html><head><title>" + std::to_string(f.http_status) +
                        "</title></head><body><center><h1>" + std::to_string(f.http_status) +
                        " Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
                    "text/html");
    return true;
  }
  if (f.error != 0) {
    if (f.error == -32) {
      res.set_header("X-RateLimit-Limit", "4000");
      res.set_header("X-RateLimit-Remain", "0");
    }
    SendError(res, f.error, f.message.empty() ? "Injected error" : f.message);
    *error = f.error;
    return true;
  }
  return false;  // a pure hang: now answer for real, too late for the client
}

bool FakeZalo::Authorised(const httplib::Request& req, httplib::Response& res, int* error) {
  const std::string token = req.get_header_value("access_token");
  const int64_t now = ToUnixMillis(clock_.Now());
  bool ok = false;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : access_tokens_) {
      if (t.value == token) ok = !t.expired && now < t.expires_at_ms;
    }
  }
  if (!ok) {
    SendError(res, kErrInvalidToken, "Access token is invalid");
    *error = kErrInvalidToken;
  }
  return ok;
}

void FakeZalo::Route() {
  server().Post(kTokenRoute, [this](const httplib::Request& req, httplib::Response& res) {
    int error = 0;
    bool dropped = false;
    if (!TakeFault(req, res, &error)) HandleToken(req, res, &error, &dropped);
    Record(req, error, dropped ? 0 : res.status);
  });

  using Handler = void (FakeZalo::*)(const httplib::Request&, httplib::Response&, int*);
  auto api = [this](Handler handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      std::function<void(const std::string&, const std::string&)> observe;
      {
        std::lock_guard lock(mu_);
        observe = on_api_request_;
      }
      if (observe) observe(req.path, req.get_header_value("access_token"));
      int error = 0;
      if (!TakeFault(req, res, &error) && Authorised(req, res, &error)) {
        (this->*handler)(req, res, &error);
      }
      Record(req, error, res.status);
    };
  };
  server().Post(kCreateRoute, [this](const httplib::Request& req, httplib::Response& res) {
    std::function<void(const std::string&, const std::string&)> observe;
    {
      std::lock_guard lock(mu_);
      observe = on_api_request_;
    }
    if (observe) observe(req.path, req.get_header_value("access_token"));
    int error = 0;
    bool dropped = false;
    if (!TakeFault(req, res, &error) && Authorised(req, res, &error)) {
      HandleCreate(req, res, &error, &dropped);
    }
    Record(req, error, dropped ? 0 : res.status);
  });
  server().Post(kVerifyRoute, api(&FakeZalo::HandleVerify));
  server().Get(kDetailRoute, api(&FakeZalo::HandleDetail));
  server().Get(kSliceRoute, api(&FakeZalo::HandleSlice));
  server().Post(kRemoveRoute, api(&FakeZalo::HandleRemove));
  server().Post(kUploadImageRoute, api(&FakeZalo::HandleUploadImage));
}

void FakeZalo::HandleToken(const httplib::Request& req, httplib::Response& res, int* error,
                           bool* dropped) {
  auto refuse = [&](int code, const std::string& name, const std::string& description) {
    *error = code;
    SendJson(res, json{{"error", code},
                       {"error_name", name},
                       {"error_reason", description},
                       {"ref_doc", "https://developers.zalo.me/docs/official-account"},
                       {"error_description", description}});
  };
  if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0) {
    return refuse(kOAuthInvalidGrant, "Invalid parameter", "form body expected");
  }
  if (req.get_param_value("app_id") != app_id_) {
    return refuse(kOAuthInvalidAppId, "Invalid parameter", "app_id is invalid");
  }
  if (req.get_header_value("secret_key") != secret_key_) {
    return refuse(kOAuthInvalidSecret, "Invalid secret key", "secret key is invalid");
  }
  if (req.get_param_value("grant_type") != "refresh_token") {
    return refuse(kOAuthInvalidGrant, "Invalid parameter", "grant_type is invalid");
  }
  const std::string presented = req.get_param_value("refresh_token");
  json answer;
  bool drop = false;
  {
    std::lock_guard lock(mu_);
    if (refuse_refresh_ > 0) {
      --refuse_refresh_;
    } else if (refresh_tokens_.count(presented) != 0) {
      // Single use: the token presented dies, a new one replaces it.
      refresh_tokens_.erase(presented);
      current_refresh_token_ = NewToken("rt");
      refresh_tokens_.insert(current_refresh_token_);
      AccessToken t;
      t.value = NewToken("ac");
      int64_t seconds = std::atoll(expires_in_.c_str());
      t.expires_at_ms = ToUnixMillis(clock_.Now()) + seconds * 1000;
      access_tokens_.push_back(t);
      answer = {{"access_token", t.value},
                {"refresh_token", current_refresh_token_},
                {"expires_in", expires_in_}};
      drop = drop_refresh_answer_;
      drop_refresh_answer_ = false;
    }
  }
  if (answer.is_null()) {
    return refuse(kOAuthInvalidRefreshToken, "Invalid refresh token",
                  "refresh token is invalid or has already been used");
  }
  if (drop) {
    *dropped = true;
    return DropConnection(res);
  }
  SendJson(res, answer);
}

void FakeZalo::HandleCreate(const httplib::Request& req, httplib::Response& res, int* error,
                            bool* dropped) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (std::string field = InvalidArticleField(body); !field.empty()) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, field + " is invalid");
  }
  Article a;
  bool drop = false;
  std::chrono::milliseconds hang{0};
  {
    std::lock_guard lock(mu_);
    a = InsertArticleLocked(body["title"].get<std::string>(), ToUnixMillis(clock_.Now()));
    articles_.back().request = body;
    if (drops_left_ > 0) {
      --drops_left_;
      drop = true;
      hang = drop_hang_;
    }
  }
  if (drop) {
    if (hang.count() > 0) std::this_thread::sleep_for(hang);
    *dropped = true;
    return DropConnection(res);
  }
  SendSuccess(res, {{"token", a.token}});
}

void FakeZalo::HandleVerify(const httplib::Request& req, httplib::Response& res, int* error) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  std::string token = body.is_object() ? body.value("token", "") : "";
  std::lock_guard lock(mu_);
  auto it = std::find_if(articles_.begin(), articles_.end(),
                         [&](const Article& a) { return !token.empty() && a.token == token; });
  if (it == articles_.end()) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "token is invalid");
  }
  int& polls = verify_polls_[token];
  if (polls++ < verify_pending_polls_) {
    return SendSuccess(res, {{"token", token}, {"status", "processing"}});
  }
  SendSuccess(res, {{"id", it->id}});
}

json FakeZalo::ArticleSummary(const Article& a) const {
  return json{
      {"id", a.id},
      {"type", "normal"},
      {"title", a.title},
      {"author", a.request.value("author", "")},
      {"status", "show"},
      {"total_view", 0},
      {"total_share", 0},
      {"create_date", a.create_date},
      {"update_date", a.create_date},
      {"thumb", a.request.value("cover", json::object()).value("photo_url", "")},
      {"link_view", a.link_view},
  };
}

void FakeZalo::HandleDetail(const httplib::Request& req, httplib::Response& res, int* error) {
  std::string id = req.get_param_value("id");
  std::lock_guard lock(mu_);
  auto it = std::find_if(articles_.begin(), articles_.end(),
                         [&](const Article& a) { return a.id == id && !a.removed; });
  if (it == articles_.end()) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "id is invalid");
  }
  json data = ArticleSummary(*it);
  for (const char* key : {"description", "cover", "body", "comment"}) {
    if (it->request.contains(key)) data[key] = it->request[key];
  }
  SendSuccess(res, data);
}

void FakeZalo::HandleSlice(const httplib::Request& req, httplib::Response& res, int* error) {
  long long offset = std::atoll(req.get_param_value("offset").c_str());
  long long limit = std::atoll(req.get_param_value("limit").c_str());
  if (!req.has_param("offset") || offset < 0) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "offset is invalid");
  }
  if (!req.has_param("limit") || limit <= 0 || limit > 100) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "limit is invalid");
  }
  std::string type = req.get_param_value("type");
  if (type != "normal" && type != "video") {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "type is invalid");
  }
  std::lock_guard lock(mu_);
  std::vector<const Article*> live;
  for (const Article& a : articles_) {
    if (!a.removed) live.push_back(&a);
  }
  // Newest first, as the OA's article list shows them.
  std::stable_sort(live.begin(), live.end(), [](const Article* x, const Article* y) {
    return x->create_date > y->create_date;
  });
  json medias = json::array();
  if (type == "normal") {
    for (size_t i = static_cast<size_t>(offset);
         i < live.size() && medias.size() < static_cast<size_t>(limit); ++i) {
      medias.push_back(ArticleSummary(*live[i]));
    }
  }
  SendSuccess(res, {{"medias", medias}, {"total", type == "normal" ? live.size() : 0}});
}

void FakeZalo::HandleRemove(const httplib::Request& req, httplib::Response& res, int* error) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  std::string id = body.is_object() ? body.value("id", "") : "";
  std::lock_guard lock(mu_);
  auto it = std::find_if(articles_.begin(), articles_.end(),
                         [&](const Article& a) { return !id.empty() && a.id == id && !a.removed; });
  if (it == articles_.end()) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "id is invalid");
  }
  it->removed = true;
  SendSuccess(res);
}

void FakeZalo::HandleUploadImage(const httplib::Request& req, httplib::Response& res, int* error) {
  if (!req.has_file("file")) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "file is invalid");
  }
  const httplib::MultipartFormData file = req.get_file_value("file");
  if (file.content_type != "image/jpeg" && file.content_type != "image/png") {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "file type is invalid: only jpg and png");
  }
  if (static_cast<int64_t>(file.content.size()) > kMaxImageBytes) {
    *error = kErrInvalidParam;
    return SendError(res, kErrInvalidParam, "file size is invalid: at most 1 MB");
  }
  std::lock_guard lock(mu_);
  SendSuccess(res, {{"attachment_id", NewToken("img")}});
}

}  // namespace loa::fakes
