#include "tests/fakes/fake_facebook.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <set>

#include "base/crypto.h"
#include "base/time.h"

namespace loa::fakes {

namespace {

using nlohmann::json;

constexpr char kVersion[] = "/v21.0";
constexpr char kMissingObject[] =
    "Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does "
    "not support this operation. Please read the Graph API documentation at "
    "https://developers.facebook.com/docs/graph-api";
const std::set<std::string> kPostFields = {
    "id", "message", "created_time", "link", "permalink_url", "is_published", "attachments"};

std::string MissingObject(const std::string& verb, const std::string& id) {
  std::string text = kMissingObject;
  text.replace(text.find("%s"), 2, id);
  return "Unsupported " + verb + " request. " + text;
}

void SendError(httplib::Response& res, int http_status, int code, const std::string& message,
               const std::string& type = "OAuthException", int subcode = 0,
               bool is_transient = false) {
  static std::atomic<int> trace{0};
  json error = {{"message", message},
                {"type", type},
                {"code", code},
                {"fbtrace_id", "AfakeTrace" + std::to_string(++trace)}};
  if (subcode != 0) error["error_subcode"] = subcode;
  if (is_transient) error["is_transient"] = true;
  res.status = http_status;
  // Graph names the failure in this header too.
  res.set_header("WWW-Authenticate",
                 "OAuth \"Facebook Platform\" \"" + type + "\" \"" + message + "\"");
  res.set_content(json{{"error", error}}.dump(), "application/json; charset=UTF-8");
}

void SendFault(httplib::Response& res, const FakeFacebook::Fault& f) {
  SendError(res, f.http_status, f.code, f.message, f.type, f.subcode, f.is_transient);
  for (const auto& [name, value] : f.headers) res.set_header(name, value);
}

}  // namespace

FakeFacebook::FakeFacebook(std::string page_id, std::string page_token, std::string app_secret,
                           const Clock* clock)
    : page_id_(std::move(page_id)),
      token_(std::move(page_token)),
      proof_(app_secret.empty() ? "" : HmacSha256Hex(app_secret, token_)),
      clock_(clock != nullptr ? clock : &SystemClock()) {
  Route();
  Start();
}

FakeFacebook::~FakeFacebook() { Stop(); }

std::string FakeFacebook::graph_base_url() const { return base_url() + kVersion; }

std::string FakeFacebook::PagePath(const std::string& edge) const {
  return std::string(kVersion) + "/" + page_id_ + "/" + edge;
}

std::vector<FakeFacebook::Post> FakeFacebook::posts() const {
  std::lock_guard lock(mu_);
  return posts_;
}

std::vector<FakeFacebook::Photo> FakeFacebook::photos() const {
  std::lock_guard lock(mu_);
  return photos_;
}

std::vector<FakeFacebook::Video> FakeFacebook::videos() const {
  std::lock_guard lock(mu_);
  return videos_;
}

std::vector<FakeFacebook::Request> FakeFacebook::requests() const { return requests_.All(); }

size_t FakeFacebook::CountRequests(const std::string& method, const std::string& path) const {
  return requests_.CountIf([&](const Request& r) { return r.method == method && r.path == path; });
}

FakeFacebook::Post FakeFacebook::AddPost(const std::string& message,
                                         std::optional<TimePoint> created, bool scheduled) {
  std::lock_guard lock(mu_);
  Post& post = InsertPostLocked(message, created.value_or(clock_->Now()));
  post.scheduled = scheduled;
  return post;
}

void FakeFacebook::InjectFault(const Fault& fault, int count) { faults_.Push(fault, count); }

void FakeFacebook::RateLimitNext(int count, int minutes) {
  Fault f;
  f.http_status = 400;
  f.code = 32;
  f.message = "Page request limit reached";
  json usage = {{"call_count", 100}, {"total_cputime", 14}, {"total_time", 22}};
  if (minutes > 0) usage["estimated_time_to_regain_access"] = minutes;
  f.headers["X-Page-Usage"] = usage.dump();
  f.headers["X-App-Usage"] =
      json{{"call_count", 3}, {"total_cputime", 1}, {"total_time", 1}}.dump();
  InjectFault(f, count);
}

void FakeFacebook::ErrorAfterCreateNext(const std::string& edge, int code) {
  Fault f;
  f.kind = Fault::Kind::kErrorAfterCreate;
  f.http_status = 500;
  f.code = code;
  f.message = code == 1 ? "An unknown error occurred"
                        : "An unexpected error has occurred. Please retry your request later.";
  f.method = "POST";
  f.edge = edge;
  InjectFault(f);
}

void FakeFacebook::DropAfterCreateNext(const std::string& edge) {
  Fault f;
  f.kind = Fault::Kind::kDropAfterCreate;
  f.method = "POST";
  f.edge = edge;
  InjectFault(f);
}

void FakeFacebook::ExpireToken() {
  std::lock_guard lock(mu_);
  token_expired_ = true;
}

void FakeFacebook::SetRejectDuplicates(bool reject) {
  std::lock_guard lock(mu_);
  reject_duplicates_ = reject;
}

std::string FakeFacebook::Param(const httplib::Request& req, const std::string& name) const {
  if (req.has_param(name)) return req.get_param_value(name);
  // Multipart text fields arrive among the files, without a filename.
  auto it = req.files.find(name);
  if (it != req.files.end() && it->second.filename.empty()) return it->second.content;
  return "";
}

bool FakeFacebook::HasParam(const httplib::Request& req, const std::string& name) const {
  return req.has_param(name) || req.files.count(name) > 0;
}

void FakeFacebook::Record(const httplib::Request& req, int status) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params[k] = v;
  for (const auto& [k, f] : req.files) {
    if (f.filename.empty()) {
      r.params[k] = f.content;
    } else {
      r.files.push_back(k);
    }
  }
  // Kept out of the record so that no test can print them by accident.
  r.params.erase("access_token");
  r.params.erase("appsecret_proof");
  r.token_ok = Param(req, "access_token") == token_;
  r.proof_ok = proof_.empty() || Param(req, "appsecret_proof") == proof_;
  r.status = status;
  requests_.Add(std::move(r));
}

std::optional<FakeFacebook::Fault> FakeFacebook::TakeFault(const httplib::Request& req) {
  return faults_.TakeFirst([&](const Fault& f) {
    return (f.method.empty() || f.method == req.method) &&
           (f.edge.empty() || req.path.ends_with("/" + f.edge));
  });
}

bool FakeFacebook::CheckAuth(const httplib::Request& req, httplib::Response& res) {
  bool expired;
  {
    std::lock_guard lock(mu_);
    expired = token_expired_;
  }
  std::string token = Param(req, "access_token");
  if (token.empty()) {
    SendError(res, 400, 104, "An access token is required to request this resource.");
    return false;
  }
  if (token != token_) {
    SendError(res, 400, 190, "Invalid OAuth access token - Cannot parse access token");
    return false;
  }
  if (expired) {
    SendError(res, 400, 190,
              "Error validating access token: Session has expired on Tuesday, 01-Dec-26 "
              "09:00:00 PST. The current time is Tuesday, 01-Dec-26 18:00:00 PST.",
              "OAuthException", 463);
    return false;
  }
  if (!proof_.empty()) {
    std::string proof = Param(req, "appsecret_proof");
    if (proof.empty()) {
      SendError(res, 400, 100, "API calls from the server require an appsecret_proof argument",
                "GraphMethodException");
      return false;
    }
    if (proof != proof_) {
      SendError(res, 400, 100, "Invalid appsecret_proof provided in the API argument",
                "GraphMethodException");
      return false;
    }
  }
  return true;
}

bool FakeFacebook::CheckPage(const httplib::Request& req, httplib::Response& res) {
  if (req.matches[1].str() == page_id_) return true;
  SendError(res, 400, 100,
            MissingObject(req.method == "GET" ? "get" : "post", req.matches[1].str()),
            "GraphMethodException", 33);
  return false;
}

std::string FakeFacebook::GraphTime(TimePoint t) const {
  std::string s = FormatUtc(t, /*with_millis=*/false);
  s.pop_back();  // "Z"
  return s + "+0000";
}

FakeFacebook::Post& FakeFacebook::InsertPostLocked(const std::string& message, TimePoint created) {
  Post post;
  std::string n = std::to_string(next_id_++);
  post.id = page_id_ + "_" + n;
  post.message = message;
  post.created_time = GraphTime(created);
  post.created = created;
  post.permalink_url = "https://www.facebook.com/" + page_id_ + "/posts/" + n + "/";
  posts_.push_back(std::move(post));
  return posts_.back();
}

std::optional<json> FakeFacebook::CreateFeedPost(const httplib::Request& req,
                                                 httplib::Response& res) {
  std::string message = Param(req, "message");
  std::string link = Param(req, "link");
  std::vector<std::string> attached;
  std::lock_guard lock(mu_);
  for (size_t i = 0;; ++i) {
    std::string key = "attached_media[" + std::to_string(i) + "]";
    if (!HasParam(req, key)) break;
    json media = json::parse(Param(req, key), nullptr, /*allow_exceptions=*/false);
    std::string fbid =
        media.is_object() && media.contains("media_fbid") && media["media_fbid"].is_string()
            ? media["media_fbid"].get<std::string>()
            : "";
    auto photo = std::find_if(photos_.begin(), photos_.end(),
                              [&](const Photo& p) { return p.id == fbid && !p.published; });
    bool used = std::any_of(posts_.begin(), posts_.end(), [&](const Post& p) {
      return std::find(p.attached_media.begin(), p.attached_media.end(), fbid) !=
             p.attached_media.end();
    });
    if (photo == photos_.end() || used) {
      SendError(res, 400, 100, "(#100) param " + key + " must be a valid media_fbid");
      return std::nullopt;
    }
    attached.push_back(fbid);
  }
  if (message.empty() && link.empty() && attached.empty()) {
    SendError(res, 400, 100, "(#100) Missing message or attachment");
    return std::nullopt;
  }
  if (reject_duplicates_ && !message.empty()) {
    auto last = std::find_if(posts_.rbegin(), posts_.rend(),
                             [](const Post& p) { return !p.deleted && !p.scheduled; });
    if (last != posts_.rend() && last->message == message) {
      SendError(res, 400, 506, "(#506) Duplicate status message");
      return std::nullopt;
    }
  }
  Post& post = InsertPostLocked(message, clock_->Now());
  post.link = link;
  post.attached_media = attached;
  post.scheduled = Param(req, "published") == "false";
  return json{{"id", post.id}};
}

std::optional<json> FakeFacebook::CreatePhoto(const httplib::Request& req, httplib::Response& res) {
  Photo photo;
  auto source = req.files.find("source");
  if (source != req.files.end() && !source->second.filename.empty() &&
      !source->second.content.empty()) {
    photo.filename = source->second.filename;
    photo.content_type = source->second.content_type;
    photo.data = source->second.content;
  } else if (!Param(req, "url").empty()) {
    photo.url = Param(req, "url");
  } else {
    SendError(res, 400, 324, "(#324) Requires upload file");
    return std::nullopt;
  }
  photo.caption = Param(req, "caption");
  photo.published = Param(req, "published") != "false";
  std::lock_guard lock(mu_);
  photo.id = std::to_string(next_id_++);
  photos_.push_back(photo);
  if (!photo.published) return json{{"id", photo.id}};
  Post& post = InsertPostLocked(photo.caption, clock_->Now());
  post.photo_id = photo.id;
  return json{{"id", photo.id}, {"post_id", post.id}};
}

std::optional<json> FakeFacebook::CreateVideo(const httplib::Request& req, httplib::Response& res) {
  Video video;
  auto source = req.files.find("source");
  if (source == req.files.end() || source->second.filename.empty() ||
      source->second.content.empty()) {
    SendError(res, 400, 100, "(#100) No file or file_url was provided");
    return std::nullopt;
  }
  video.filename = source->second.filename;
  video.content_type = source->second.content_type;
  video.data = source->second.content;
  video.title = Param(req, "title");
  video.description = Param(req, "description");
  std::lock_guard lock(mu_);
  video.id = std::to_string(next_id_++);
  Post& post = InsertPostLocked(video.description, clock_->Now());
  post.video_id = video.id;
  post.permalink_url = "https://www.facebook.com/" + page_id_ + "/videos/" + video.id + "/";
  video.post_id = post.id;
  videos_.push_back(video);
  return json{{"id", video.id}};
}

void FakeFacebook::HandleCreate(const httplib::Request& req, httplib::Response& res,
                                std::optional<json> (FakeFacebook::*create)(const httplib::Request&,
                                                                            httplib::Response&)) {
  std::optional<Fault> fault = TakeFault(req);
  if (fault && fault->kind == Fault::Kind::kHang) {
    std::this_thread::sleep_for(fault->hang);
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (fault && fault->kind == Fault::Kind::kSlowCreate) {
    std::this_thread::sleep_for(fault->hang);
    fault.reset();  // then made like any other
  }
  if (fault && fault->kind == Fault::Kind::kError) {
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (!CheckAuth(req, res) || !CheckPage(req, res)) {
    Record(req, res.status);
    return;
  }
  std::optional<json> answer = (this->*create)(req, res);
  if (!answer) {
    Record(req, res.status);
    return;
  }
  if (fault && fault->kind == Fault::Kind::kErrorAfterCreate) {
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (fault && fault->kind == Fault::Kind::kDropAfterCreate) {
    // The work is done; the client never gets a whole answer.
    res.status = 200;
    res.set_content_provider(1024, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    Record(req, 0);
    return;
  }
  res.status = 200;
  res.set_content(answer->dump(), "application/json; charset=UTF-8");
  Record(req, res.status);
}

json FakeFacebook::PostFields(const Post& post, const std::string& fields) const {
  json out = {{"id", post.id}};
  for (const std::string& field : SplitComma(fields)) {
    if (field == "message" && !post.message.empty()) out["message"] = post.message;
    if (field == "created_time") out["created_time"] = post.created_time;
    if (field == "permalink_url") out["permalink_url"] = post.permalink_url;
    if (field == "is_published") out["is_published"] = !post.scheduled;
    if (field == "link" && !post.link.empty()) out["link"] = post.link;
  }
  return out;
}

void FakeFacebook::HandleList(const httplib::Request& req, httplib::Response& res, bool scheduled) {
  if (auto fault = TakeFault(req)) {
    std::this_thread::sleep_for(fault->hang);
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (!CheckAuth(req, res) || !CheckPage(req, res)) {
    Record(req, res.status);
    return;
  }
  std::string fields = req.has_param("fields") ? req.get_param_value("fields") : "message";
  for (const std::string& field : SplitComma(fields)) {
    if (kPostFields.count(field) == 0) {
      SendError(res, 400, 100, "(#100) Tried accessing nonexisting field (" + field + ")");
      Record(req, res.status);
      return;
    }
  }
  auto number = [&](const char* name, int64_t& out) {
    if (!req.has_param(name)) return true;
    std::string value = req.get_param_value(name);
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec == std::errc() && end == value.data() + value.size() && out >= 0) return true;
    SendError(res, 400, 100, std::string("(#100) Param ") + name + " must be a number");
    Record(req, res.status);
    return false;
  };
  int64_t limit = 25;
  int64_t since = -1;
  if (!number("limit", limit) || !number("since", since)) return;
  limit = std::clamp<int64_t>(limit, 1, 100);
  // The cursor is "QVFI" + how many posts of the list came before the page.
  size_t skip = 0;
  if (req.has_param("after")) {
    std::string after = req.get_param_value("after");
    size_t n = 0;
    auto [end, ec] = after.size() > 4 && after.starts_with("QVFI")
                         ? std::from_chars(after.data() + 4, after.data() + after.size(), n)
                         : std::from_chars_result{after.data(), std::errc::invalid_argument};
    if (ec != std::errc() || end != after.data() + after.size()) {
      SendError(res, 400, 100, "(#100) Invalid cursor");
      Record(req, res.status);
      return;
    }
    skip = n;
  }
  json data = json::array();
  bool more = false;
  {
    std::lock_guard lock(mu_);
    size_t seen = 0;
    for (auto it = posts_.rbegin(); it != posts_.rend(); ++it) {
      if (it->deleted || it->scheduled != scheduled) continue;
      if (since >= 0 && ToUnixMillis(it->created) / 1000 < since) continue;
      if (seen++ < skip) continue;
      if (data.size() == static_cast<size_t>(limit)) {
        more = true;
        break;
      }
      data.push_back(PostFields(*it, fields));
    }
  }
  json body = {{"data", data}};
  if (!data.empty()) {
    const std::string after = "QVFI" + std::to_string(skip + data.size());
    body["paging"] = {{"cursors", {{"before", "QVFI" + std::to_string(skip)}, {"after", after}}}};
    if (more) {
      // As Graph writes it: the whole URL, the caller's token included.
      httplib::Params next = {{"access_token", req.get_param_value("access_token")},
                              {"fields", fields},
                              {"limit", std::to_string(limit)},
                              {"after", after}};
      if (since >= 0) next.emplace("since", std::to_string(since));
      body["paging"]["next"] = "https://graph.facebook.com" + req.path + "?" +
                               httplib::detail::params_to_query_str(next);
    }
  }
  res.status = 200;
  res.set_content(body.dump(), "application/json; charset=UTF-8");
  Record(req, res.status);
}

void FakeFacebook::HandleGetObject(const httplib::Request& req, httplib::Response& res) {
  if (auto fault = TakeFault(req)) {
    std::this_thread::sleep_for(fault->hang);
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (!CheckAuth(req, res)) {
    Record(req, res.status);
    return;
  }
  std::string id = req.matches[1].str();
  std::string fields = req.has_param("fields") ? req.get_param_value("fields") : "";
  std::optional<json> found;
  {
    std::lock_guard lock(mu_);
    for (const Post& p : posts_) {
      if (p.id == id && !p.deleted) found = PostFields(p, fields);
    }
    for (const Video& v : videos_) {
      if (v.id != id) continue;
      auto post = std::find_if(posts_.begin(), posts_.end(),
                               [&](const Post& p) { return p.id == v.post_id && !p.deleted; });
      if (post == posts_.end()) continue;
      // As Graph answers for videos: a permalink relative to facebook.com.
      found = json{{"id", v.id}};
      for (const std::string& field : SplitComma(fields)) {
        if (field == "permalink_url") {
          (*found)["permalink_url"] = "/" + page_id_ + "/videos/" + v.id + "/";
        }
        if (field == "description") (*found)["description"] = v.description;
        if (field == "title") (*found)["title"] = v.title;
      }
    }
    for (const Photo& p : photos_) {
      if (p.id == id) found = json{{"id", p.id}, {"name", p.caption}};
    }
  }
  if (!found) {
    SendError(res, 400, 100, MissingObject("get", id), "GraphMethodException", 33);
  } else {
    res.status = 200;
    res.set_content(found->dump(), "application/json; charset=UTF-8");
  }
  Record(req, res.status);
}

void FakeFacebook::HandleDelete(const httplib::Request& req, httplib::Response& res) {
  if (auto fault = TakeFault(req)) {
    std::this_thread::sleep_for(fault->hang);
    SendFault(res, *fault);
    Record(req, res.status);
    return;
  }
  if (!CheckAuth(req, res)) {
    Record(req, res.status);
    return;
  }
  std::string id = req.matches[1].str();
  bool deleted = false;
  {
    std::lock_guard lock(mu_);
    for (Post& p : posts_) {
      bool of_video = std::any_of(videos_.begin(), videos_.end(),
                                  [&](const Video& v) { return v.id == id && v.post_id == p.id; });
      if ((p.id == id || of_video || (!p.photo_id.empty() && p.photo_id == id)) && !p.deleted) {
        p.deleted = true;
        deleted = true;
      }
    }
  }
  if (!deleted) {
    SendError(res, 400, 100, MissingObject("delete", id), "GraphMethodException", 33);
  } else {
    res.status = 200;
    res.set_content(json{{"success", true}}.dump(), "application/json; charset=UTF-8");
  }
  Record(req, res.status);
}

void FakeFacebook::Route() {
  const std::string v = R"(/v21\.0)";
  server().Post(v + R"(/(\d+)/feed)", [this](const httplib::Request& req, httplib::Response& res) {
    HandleCreate(req, res, &FakeFacebook::CreateFeedPost);
  });
  server().Post(v + R"(/(\d+)/photos)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  HandleCreate(req, res, &FakeFacebook::CreatePhoto);
                });
  server().Post(v + R"(/(\d+)/videos)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  HandleCreate(req, res, &FakeFacebook::CreateVideo);
                });
  server().Get(v + R"(/(\d+)/feed)", [this](const httplib::Request& req, httplib::Response& res) {
    HandleList(req, res, /*scheduled=*/false);
  });
  server().Get(v + R"(/(\d+)/scheduled_posts)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 HandleList(req, res, /*scheduled=*/true);
               });
  server().Get(v + R"(/([0-9_]+))", [this](const httplib::Request& req, httplib::Response& res) {
    HandleGetObject(req, res);
  });
  server().Delete(v + R"(/([0-9_]+))", [this](const httplib::Request& req, httplib::Response& res) {
    HandleDelete(req, res);
  });
  auto unknown = [this](const httplib::Request& req, httplib::Response& res) {
    SendError(res, 400, 2500, "Unknown path components: " + req.path);
    Record(req, res.status);
  };
  server().Get(".*", unknown);
  server().Post(".*", unknown);
  server().Delete(".*", unknown);
}

}  // namespace loa::fakes
