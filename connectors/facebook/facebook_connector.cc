#include "connectors/facebook/facebook_connector.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/json_field.h"
#include "base/time.h"
#include "connectors/facebook/facebook_post.h"
#include "connectors/http/media_stream.h"

namespace loa {

namespace {

using nlohmann::json;

constexpr char kFacebookWeb[] = "https://www.facebook.com";
// How far back from the due time a post found on the Page may have been
// created and still count as this delivery (an early manual post, clock skew).
constexpr Millis kMatchWindow = std::chrono::hours(24);
// paging.next parameters that say where the next page starts: a cursor
// ("after") or, for time-paged edges such as /feed, "until" with Graph's
// "__paging_token". Only these are taken from the answer; the rest of the
// request (server, path, token, fields, since) is loa's own, so an answer
// can never send the token elsewhere.
constexpr const char* kPagingParams[] = {"after", "until", "__paging_token"};

bool IsSuccess(int status) { return status >= 200 && status < 300; }

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Graph object ids: "123", or "{page}_{post}" for Page posts.
bool IsGraphId(std::string_view s) {
  return !s.empty() && s.size() <= 64 && s.front() != '_' && s.back() != '_' &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '_'; });
}

// Graph writes times as "2026-12-02T01:00:05+0000" (no colon in the offset).
std::optional<TimePoint> ParseGraphTime(std::string text) {
  if (text.size() > 5) {
    size_t sign = text.size() - 5;
    if ((text[sign] == '+' || text[sign] == '-') &&
        IsDigits(std::string_view(text).substr(sign + 1))) {
      text.insert(sign + 3, ":");
    }
  }
  auto parsed = ParseTime(text, std::chrono::minutes(0));
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

// Video permalinks come back relative ("/page/videos/123/").
std::string AbsolutePermalink(std::string link) {
  if (link.starts_with("/")) return kFacebookWeb + link;
  return link;
}

std::string FallbackPermalink(const std::string& post_id) {
  return std::string(kFacebookWeb) + "/" + post_id;
}

std::string BaseName(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace

Result<std::unique_ptr<FacebookConnector>> FacebookConnector::Create(
    const Clock& clock, const FacebookSettings& settings, std::string page_token,
    std::string app_secret, int max_attempts) {
  auto url =
      ParseBaseUrl("graph_base_url", settings.graph_base_url, settings.http.allow_insecure_http);
  if (!url.ok()) return Error{url.error()};
  if (!IsDigits(settings.page_id)) return Error{"page_id must be the numeric Page ID"};
  if (page_token.empty()) return Error{"the Page access token is empty"};
  Url base = std::move(url).value();
  return std::unique_ptr<FacebookConnector>(
      new FacebookConnector(clock, settings, std::move(base), std::move(page_token),
                            std::move(app_secret), max_attempts));
}

FacebookConnector::FacebookConnector(const Clock& clock, FacebookSettings settings, Url base,
                                     std::string token, std::string secret, int max_attempts)
    : clock_(clock),
      settings_(std::move(settings)),
      base_(std::move(base)),
      token_(std::move(token)),
      secret_(std::move(secret)),
      proof_(secret_.empty() ? "" : HmacSha256Hex(secret_, token_)),
      max_attempts_(max_attempts) {}

FacebookConnector::~FacebookConnector() {
  for (std::string* s : {&token_, &secret_, &proof_}) OPENSSL_cleanse(s->data(), s->size());
}

std::unique_ptr<httplib::Client> FacebookConnector::Client() const {
  return MakeHttpClient(base_, settings_.http);
}

httplib::Params FacebookConnector::AuthParams() const {
  httplib::Params params = {{"access_token", token_}};
  if (!proof_.empty()) params.emplace("appsecret_proof", proof_);
  return params;
}

std::string FacebookConnector::GraphPath(std::string_view path) const {
  return base_.target + "/" + std::string(path);
}

std::string FacebookConnector::Scrub(std::string text) const {
  for (const std::string* secret : {&token_, &secret_, &proof_}) {
    if (secret->empty()) continue;
    for (size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at)) {
      text.replace(at, secret->size(), "[redacted]");
    }
  }
  return text;
}

Outcome FacebookConnector::ClassifyAnswer(const httplib::Response& response,
                                          const std::string& what, RequestKind kind) const {
  std::vector<std::string> usage;
  for (const char* header : {"X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage"}) {
    if (response.has_header(header)) usage.push_back(response.get_header_value(header));
  }
  return ClassifyGraphAnswer(response.status, response.body, usage, what, kind,
                             [this](std::string text) { return Scrub(std::move(text)); });
}

FacebookConnector::CallResult FacebookConnector::Read(const httplib::Result& result,
                                                      const std::string& what,
                                                      RequestKind kind) const {
  if (!result) return TransportFailure(result.error(), what, kind);
  const httplib::Response& response = *result;
  if (!IsSuccess(response.status)) return ClassifyAnswer(response, what, kind);
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    std::string detail = what + ": HTTP " + std::to_string(response.status) +
                         " with an unreadable answer: " + Excerpt(Scrub(response.body));
    if (kind == RequestKind::kCreate) return Outcome::Uncertain(detail, response.status);
    return Outcome::Retry(ErrorClass::kTransient, detail, response.status);
  }
  return body;
}

std::variant<httplib::Result, Outcome> FacebookConnector::PostMedia(
    httplib::Client& client, const std::string& path, Fields fields, const MediaFile& media,
    const fs::path& media_dir) const {
  auto reader = MediaReader::Open(media, media_dir);
  if (!reader.ok()) return Outcome::Failed(ErrorClass::kPermanent, reader.error());
  for (const auto& [name, value] : AuthParams()) fields.emplace_back(name, value);
  MultipartUpload upload = MakeMultipartUpload(fields, "source", BaseName(media.name),
                                               media.content_type, std::move(reader).value());
  httplib::Result result =
      client.Post(path, upload.body->length(), upload.body->Provider(), upload.content_type);
  // Cut short before the file's last byte: Graph never had a whole form.
  if (upload.body->failure()) {
    return Outcome::Failed(ErrorClass::kPermanent, upload.body->failure()->message);
  }
  return result;
}

FacebookConnector::CallResult FacebookConnector::Get(httplib::Client& client,
                                                     const std::string& path,
                                                     httplib::Params params,
                                                     const std::string& what) const {
  params.merge(AuthParams());
  return Read(client.Get(path, params, httplib::Headers{}), what, RequestKind::kSafe);
}

// The whole window, not the latest N posts: a busy queue may put any number
// of posts between an attempt whose answer was lost and the retry that
// looks for it. `since` (Unix seconds) makes Graph list only posts from the
// start of the match window on (Graph applies it to the last update time,
// never earlier than the creation, so no post of ours is left out), and
// paging.next is followed until Graph gives none. More than kMaxListPages
// pages is a failed lookup, never "not found".
FacebookConnector::LookupResult FacebookConnector::SearchList(httplib::Client& client,
                                                              const std::string& edge,
                                                              const std::string& message,
                                                              TimePoint due_at) const {
  std::string path = GraphPath(settings_.page_id + "/" + edge);
  std::string what = "search of the Page's " + edge + " " + DescribeRequest("GET", base_, path);
  const TimePoint earliest = due_at - kMatchWindow;
  const int64_t since = std::max<int64_t>(0, ToUnixMillis(earliest) / 1000);
  httplib::Params cursor;
  for (int page = 1;; ++page) {
    if (page > kMaxListPages) {
      return Outcome::Retry(ErrorClass::kTransient,
                            what + ": more than " + std::to_string(kMaxListPages) + " pages of " +
                                std::to_string(kListPageSize) +
                                " posts since a day before the due time; cannot tell whether "
                                "the post is among them");
    }
    httplib::Params params = {{"fields", "id,message,created_time,permalink_url"},
                              {"limit", std::to_string(kListPageSize)},
                              {"since", std::to_string(since)}};
    params.merge(cursor);
    CallResult answer = Get(client, path, std::move(params), what);
    if (auto* failed = std::get_if<Outcome>(&answer)) return *failed;
    const json& body = std::get<json>(answer);
    auto data = body.find("data");
    if (data == body.end() || !data->is_array()) {
      return Outcome::Retry(ErrorClass::kTransient, what + ": the answer has no \"data\" list");
    }
    for (const json& post : *data) {
      if (Trim(StringField(post, "message")) != message) continue;
      // A post without a readable time still matches: the whole message is
      // the stronger evidence, and a duplicate is the worse mistake.
      std::optional<TimePoint> created = ParseGraphTime(StringField(post, "created_time"));
      if (created && *created < earliest) continue;
      Found found{IdField(post, "id"), AbsolutePermalink(StringField(post, "permalink_url"))};
      if (IsGraphId(found.id)) return std::optional<Found>(std::move(found));
    }
    // No "next": this was the last page (Graph's rule; a short page is not).
    auto paging = body.find("paging");
    const std::string next = paging != body.end() ? StringField(*paging, "next") : "";
    if (next.empty()) return std::optional<Found>();
    cursor.clear();
    const size_t query = next.find('?');
    if (query != std::string::npos) {
      httplib::Params from_next;
      httplib::detail::parse_query_text(next.substr(query + 1), from_next);
      for (const char* key : kPagingParams) {
        auto it = from_next.find(key);
        if (it != from_next.end() && !it->second.empty()) cursor.emplace(key, it->second);
      }
    }
    if (cursor.empty()) {
      return Outcome::Retry(ErrorClass::kTransient,
                            what + ": paging.next names no cursor to follow");
    }
  }
}

FacebookConnector::LookupResult FacebookConnector::FindPost(httplib::Client& client,
                                                            const std::string& message,
                                                            TimePoint due_at) const {
  for (const char* edge : {"feed", "scheduled_posts"}) {
    LookupResult result = SearchList(client, edge, message, due_at);
    if (std::holds_alternative<Outcome>(result) || std::get<std::optional<Found>>(result)) {
      return result;
    }
  }
  return std::optional<Found>();
}

std::string FacebookConnector::Permalink(httplib::Client& client,
                                         const std::string& post_id) const {
  std::string path = GraphPath(post_id);
  CallResult answer = Get(client, path, {{"fields", "permalink_url"}},
                          "permalink lookup " + DescribeRequest("GET", base_, path));
  if (auto* body = std::get_if<json>(&answer)) {
    std::string link = StringField(*body, "permalink_url");
    if (!link.empty()) return AbsolutePermalink(link);
  }
  return FallbackPermalink(post_id);
}

Outcome FacebookConnector::PublishedAs(const Found& found, const std::string& how) const {
  Outcome o = Outcome::Published(
      found.id, found.permalink.empty() ? FallbackPermalink(found.id) : found.permalink, 200);
  o.message = how;
  return o;
}

bool FacebookConnector::IsDuplicateRefusal(const httplib::Result& result) {
  if (!result || IsSuccess(result->status)) return false;
  auto error = ParseGraphError(result->body);
  return error && ClassifyGraphError(*error, result->status) == GraphErrorKind::kReconcile;
}

Outcome FacebookConnector::ResolveDuplicate(httplib::Client& client, const PublishRequest& request,
                                            const std::string& message,
                                            const Outcome& refusal) const {
  LookupResult existing = FindPost(client, message, request.due_at);
  if (auto* failed = std::get_if<Outcome>(&existing)) {
    Outcome o = *failed;
    o.message = refusal.message + "; then " + o.message;
    return o;
  }
  if (auto& found = std::get<std::optional<Found>>(existing)) {
    return PublishedAs(*found, "Facebook refused a duplicate; the first copy is on the Page");
  }
  return Outcome::Failed(ErrorClass::kPermanent,
                         refusal.message +
                             "; no post with this message was found on the Page, "
                             "so it is reported as a duplicate and not sent again",
                         refusal.http_status);
}

Outcome FacebookConnector::Finish(httplib::Client& client, const PublishRequest& request,
                                  const std::string& message, const httplib::Result& result,
                                  const std::string& what, const char* id_key) const {
  if (IsDuplicateRefusal(result)) {
    return ResolveDuplicate(client, request, message,
                            ClassifyAnswer(*result, what, RequestKind::kCreate));
  }
  CallResult answer = Read(result, what, RequestKind::kCreate);
  if (auto* failed = std::get_if<Outcome>(&answer)) {
    // A 5xx that is not Graph's code 1/2 (a proxy giving up on a slow
    // Graph, an unknown code flagged transient) may come after the post
    // was made, like the codes that say so.
    if (result && failed->kind == Outcome::Kind::kRetry &&
        failed->error_class == ErrorClass::kTransient) {
      return LostCreate().AfterLostAnswer(request.attempt, failed->message, failed->http_status,
                                          failed->retry_after);
    }
    return *failed;
  }
  const json& body = std::get<json>(answer);
  std::string id = IdField(body, id_key);
  if (id.empty()) id = IdField(body, "id");
  if (!IsGraphId(id)) {
    // Created, most likely, but we cannot tell which post: reconcile.
    return Outcome::Uncertain(what + ": HTTP " + std::to_string(result->status) +
                                  " without a readable post id: " + Excerpt(Scrub(result->body)),
                              result->status);
  }
  return Outcome::Published(id, Permalink(client, id), result->status);
}

Outcome FacebookConnector::Create(httplib::Client& client, const PublishRequest& request,
                                  const std::string& message) const {
  // The plan the preview shows (facebook_post.h): what is sent is decided there.
  const FacebookPostPlan plan = PlanFacebookPost(request);
  const MediaFile* video = plan.video;
  const std::vector<const MediaFile*>& images = plan.images;
  const std::string page = settings_.page_id;

  if (video != nullptr) {
    std::string path = GraphPath(page + "/videos");
    std::string what =
        "video upload of " + video->name + " " + DescribeRequest("POST", base_, path);
    auto sent = PostMedia(client, path, {{"description", message}, {"title", plan.title}}, *video,
                          request.media_dir);
    if (auto* failed = std::get_if<Outcome>(&sent)) return *failed;
    return Finish(client, request, message, std::get<httplib::Result>(sent), what, "id");
  }

  if (images.size() == 1) {
    std::string path = GraphPath(page + "/photos");
    std::string what =
        "photo post of " + images[0]->name + " " + DescribeRequest("POST", base_, path);
    auto sent = PostMedia(client, path, {{"caption", message}, {"published", "true"}}, *images[0],
                          request.media_dir);
    if (auto* failed = std::get_if<Outcome>(&sent)) return *failed;
    // The answer's post_id is the Page post; id is the photo.
    return Finish(client, request, message, std::get<httplib::Result>(sent), what, "post_id");
  }

  httplib::Params params = {{"message", message}};
  if (images.empty()) {
    if (plan.link) params.emplace("link", *plan.link);
  } else {
    // Unpublished photos make no post of their own: a lost answer leaves an
    // unused photo at worst, so they are uploaded as ordinary requests.
    for (size_t i = 0; i < images.size(); ++i) {
      std::string path = GraphPath(page + "/photos");
      std::string what =
          "photo upload of " + images[i]->name + " " + DescribeRequest("POST", base_, path);
      Fields fields = {{"published", "false"}};
      if (!images[i]->caption.empty()) fields.emplace_back("caption", images[i]->caption);
      auto sent = PostMedia(client, path, std::move(fields), *images[i], request.media_dir);
      if (auto* failed = std::get_if<Outcome>(&sent)) return *failed;
      CallResult uploaded = Read(std::get<httplib::Result>(sent), what, RequestKind::kSafe);
      if (auto* failed = std::get_if<Outcome>(&uploaded)) return *failed;
      std::string photo_id = IdField(std::get<json>(uploaded), "id");
      if (!IsGraphId(photo_id)) {
        return Outcome::Retry(ErrorClass::kTransient, what + ": the answer has no photo id");
      }
      params.emplace("attached_media[" + std::to_string(i) + "]",
                     json{{"media_fbid", photo_id}}.dump());
    }
  }
  params.merge(AuthParams());
  std::string path = GraphPath(page + "/feed");
  std::string what = "feed post " + DescribeRequest("POST", base_, path);
  return Finish(client, request, message, client.Post(path, params), what, "id");
}

Outcome FacebookConnector::Publish(const PublishRequest& request) {
  std::string message = FacebookMessage(request);
  auto client = Client();
  if (request.attempt > 1) {
    // An earlier attempt may have posted without loa hearing back (codes
    // 1/2, a timeout, a dropped connection): look before creating again.
    LookupResult existing = FindPost(*client, message, request.due_at);
    if (auto* failed = std::get_if<Outcome>(&existing)) {
      Outcome o = *failed;
      // Never create blind: a lookup that failed is a reason to wait.
      o.message = "before trying again: " + o.message;
      return o;
    }
    if (auto& found = std::get<std::optional<Found>>(existing)) {
      return PublishedAs(*found, "found on the Page: an earlier attempt had posted it");
    }
  }
  return Create(*client, request, message);
}

Reconciliation FacebookConnector::Reconcile(const PublishRequest& request) {
  // Taken before the lookup: a create sent before the restart was sent
  // before this instant, so it lands (if at all) before now + timeout.
  const TimePoint now = clock_.Now();
  Reconciliation r;
  auto client = Client();
  LookupResult existing = FindPost(*client, FacebookMessage(request), request.due_at);
  if (auto* found = std::get_if<std::optional<Found>>(&existing); found && *found) {
    r.kind = Reconciliation::Kind::kPublished;
    r.published = PublishedAs(**found, "found on the Page by its message");
    r.message = "found post " + (*found)->id + " on the Page by its message";
    return r;
  }
  std::string why = "no post with this message on the Page since a day before the due time";
  if (auto* failed = std::get_if<Outcome>(&existing)) {
    why = "the search failed (" + failed->message + ")";
  }
  // The interrupted attempt may have sent a create that has not landed yet
  // (a slow Graph): searching once and creating at once would post twice.
  // Not found is therefore "not yet": the engine sends again after
  // not_before, and that Publish (attempt > 1) searches first. A failed
  // search is the same rather than `uncertain`: that Publish never creates
  // when its own search fails, so a passing Graph hiccup at start-up need
  // not wait for a person.
  return LostCreate().NotFoundYet(request.attempt, now, why);
}

Outcome FacebookConnector::Retract(const PublishRequest& /*request*/,
                                   const std::string& remote_id) {
  if (!IsGraphId(remote_id)) {
    return Outcome::Failed(ErrorClass::kPermanent, "cannot take down '" + Excerpt(remote_id, 80) +
                                                       "': not a Facebook post id");
  }
  auto client = Client();
  std::string path = GraphPath(remote_id);
  std::string what = "post deletion " + DescribeRequest("DELETE", base_, path);
  auto result = client->Delete(httplib::append_query_params(path, AuthParams()));
  if (result && !IsSuccess(result->status)) {
    auto error = ParseGraphError(result->body);
    if (error && error->code == 100 && error->message.find("does not exist") != std::string::npos) {
      Outcome o = Outcome::Retracted(remote_id, result->status);
      o.message = "post " + remote_id + " is no longer on the Page";
      return o;
    }
  }
  // Deleting twice does no harm, so a lost answer is simply retried.
  CallResult answer = Read(result, what, RequestKind::kSafe);
  if (auto* failed = std::get_if<Outcome>(&answer)) return *failed;
  auto success = std::get<json>(answer).find("success");
  if (success == std::get<json>(answer).end() || !success->is_boolean() || !success->get<bool>()) {
    return Outcome::Retry(
        ErrorClass::kTransient,
        what + ": Graph did not confirm the deletion: " + Excerpt(Scrub(result->body)),
        result->status);
  }
  Outcome o = Outcome::Retracted(remote_id, result->status);
  o.message = "post " + remote_id + " deleted from the Page";
  return o;
}

}  // namespace loa
