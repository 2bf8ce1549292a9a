#include "connectors/zalo/zalo_connector.h"

#include <charconv>
#include <thread>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "config/secrets.h"
#include "connectors/http/render.h"
#include "connectors/zalo/zalo_errors.h"

namespace loa {

namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Zalo ids come as strings; a number is read as well.
std::string IdField(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

const json& DataOf(const json& answer) {
  static const json kNull;
  if (!answer.is_object()) return kNull;
  auto it = answer.find("data");
  return it == answer.end() ? kNull : *it;
}

long long ErrorCode(const json& answer) {
  if (!answer.is_object()) return 0;
  auto it = answer.find("error");
  if (it == answer.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<long long>();
  if (it->is_string()) {
    const std::string text = it->get<std::string>();
    long long v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && p == text.data() + text.size()) return v;
  }
  return -1;  // an error of unknown form is still an error
}

// create_date in Unix milliseconds (seconds are recognised by their size).
std::optional<TimePoint> CreateDate(const json& article) {
  auto it = article.find("create_date");
  if (it == article.end()) return std::nullopt;
  int64_t v = 0;
  if (it->is_number_integer()) {
    v = it->get<int64_t>();
  } else if (it->is_string()) {
    const std::string text = it->get<std::string>();
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (v <= 0) return std::nullopt;
  if (v < 100'000'000'000LL) v *= 1000;  // before 1973 in ms: it is seconds
  return FromUnixMillis(v);
}

// One path segment, percent-encoded except RFC 3986's unreserved characters.
std::string EncodeSegment(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool IsArticleImage(const MediaFile& m) { return m.content_type.starts_with("image/"); }

Result<Url> ParseBase(const std::string& key, const std::string& text, const HttpSettings& http) {
  auto url = ParseUrl(text);
  if (!url.ok()) return Error{key + ": " + url.error()};
  if (url->target.find('?') != std::string::npos) return Error{key + ": must not have a query"};
  if (auto s = CheckTransportAllowed(*url, http); !s.ok()) return Error{key + ": " + s.error()};
  while (!url->target.empty() && url->target.back() == '/') url->target.pop_back();
  return url;
}

}  // namespace

const std::vector<Millis>& ZaloConnector::VerifyBackoff() {
  static const std::vector<Millis> kBackoff = {Millis(500), Millis(1000), Millis(2000),
                                               Millis(4000)};
  return kBackoff;
}

Result<std::unique_ptr<ZaloConnector>> ZaloConnector::Create(const ZaloSettings& settings,
                                                             const ChannelConfig& channel,
                                                             const Config& config) {
  return Create(settings, channel, config, Seams{});
}

Result<std::unique_ptr<ZaloConnector>> ZaloConnector::Create(const ZaloSettings& settings,
                                                             const ChannelConfig& channel,
                                                             const Config& config, Seams seams) {
  auto api = ParseBase("api_base_url", settings.api_base_url, settings.http);
  if (!api.ok()) return Error{api.error()};
  if (settings.cover_url.empty()) return Error{"cover_url is required"};
  if (auto cover = ParseUrl(settings.cover_url); !cover.ok()) {
    return Error{"cover_url: " + cover.error()};
  }
  if (!settings.media_base_url.empty()) {
    if (auto media = ParseUrl(settings.media_base_url); !media.ok()) {
      return Error{"media_base_url: " + media.error()};
    }
  }
  auto secret = ReadSecret(settings.secret_key_file, config.config_dir);
  if (!secret.ok()) {
    return Error{"cannot read secret_key_file '" + settings.secret_key_file +
                 "': " + secret.error()};
  }
  // The seed is needed only until the store holds a pair, but a missing
  // file is a configuration error worth reporting at start.
  const std::string seed_file = settings.refresh_token_file;
  const fs::path config_dir = config.config_dir;
  auto read_seed = [seed_file, config_dir]() -> Result<std::string> {
    auto seed = ReadSecret(seed_file, config_dir);
    if (!seed.ok()) {
      return Error{"cannot read refresh_token_file '" + seed_file + "': " + seed.error()};
    }
    return seed;
  };
  if (auto seed = read_seed(); !seed.ok()) return Error{seed.error()};

  auto store = TokenStore::Open(config.DatabasePath());
  if (!store.ok()) return Error{"cannot open the token store: " + store.error()};

  const Clock& clock = seams.clock ? *seams.clock : SystemClock();
  auto sleep = seams.sleep
                   ? std::move(seams.sleep)
                   : std::function<void(Millis)>([](Millis d) { std::this_thread::sleep_for(d); });
  std::unique_ptr<ZaloConnector> connector(
      new ZaloConnector(channel.name, settings, std::move(api).value(), std::move(store).value(),
                        clock, std::move(sleep), channel.retry.max_attempts));
  auto tokens = ZaloTokenManager::Create(channel.name, settings, std::move(secret).value(),
                                         std::move(read_seed), *connector->store_, clock);
  if (!tokens.ok()) return Error{tokens.error()};
  connector->tokens_ = std::move(tokens).value();
  return connector;
}

ZaloConnector::ZaloConnector(std::string channel, ZaloSettings settings, Url api,
                             std::unique_ptr<TokenStore> store, const Clock& clock,
                             std::function<void(Millis)> sleep, int max_attempts)
    : channel_(std::move(channel)),
      settings_(std::move(settings)),
      api_(std::move(api)),
      store_(std::move(store)),
      clock_(clock),
      sleep_(std::move(sleep)),
      max_attempts_(max_attempts) {}

ZaloConnector::~ZaloConnector() = default;

ZaloConnector::CallResult ZaloConnector::Call(const std::string& method, const std::string& route,
                                              const std::optional<json>& body, RequestKind kind) {
  const std::string path = api_.target + "/v2.0/" + route;
  const std::string what = DescribeRequest(method, api_, path);
  auto token = tokens_->AccessToken();
  if (auto* failed = std::get_if<Outcome>(&token)) return Failure{*failed};

  for (int round = 0;; ++round) {
    const std::string& access_token = std::get<std::string>(token);
    auto client = MakeHttpClient(api_, settings_.http);
    httplib::Headers headers = {{"access_token", access_token}};
    httplib::Result res =
        method == "GET"
            ? client->Get(path, headers)
            : client->Post(path, headers,
                           body ? body->dump(-1, ' ', false, json::error_handler_t::replace) : "{}",
                           "application/json");
    if (!res) return Failure{TransportFailure(res.error(), what, kind)};

    const int status = res->status;
    const json answer = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    const long long error = ErrorCode(answer);
    if (status != 200 && error == 0) {
      ZaloErrorClass z = ClassifyZaloHttpStatus(status);
      std::string message = what + ": HTTP " + std::to_string(status) + " (" + z.explanation + ")" +
                            (res->body.empty() ? "" : ": " + Excerpt(res->body));
      auto retry_after = RetryAfterOf(*res, clock_.Now());
      if (!retry_after) retry_after = z.retry_after;
      if (z.error_class == ErrorClass::kPermanent) {
        return Failure{Outcome::Failed(z.error_class, message, status), 0, true};
      }
      return Failure{Outcome::Retry(z.error_class, message, status, retry_after), 0, true};
    }
    if (!answer.is_object()) {
      std::string message = what + ": HTTP " + std::to_string(status) +
                            " with an answer that is not Zalo's JSON: " + Excerpt(res->body);
      if (kind == RequestKind::kCreate) return Failure{Outcome::Uncertain(message, status)};
      return Failure{Outcome::Retry(ErrorClass::kTransient, message, status)};
    }
    if (error == 0) return answer;

    ZaloErrorClass z = ClassifyZaloError(error);
    std::string said = StringField(answer, "message");
    std::string message = what + ": Zalo error " + std::to_string(error) +
                          (said.empty() ? "" : ": " + Excerpt(said)) + " (" + z.explanation + ")";
    if (z.token_refused) {
      if (round == 0) {
        // A refused call did nothing, so repeating it is safe.
        LogInfo("channel " + channel_ + ": " + what + ": Zalo refused the access token (error " +
                std::to_string(error) + "); refreshing it");
        token = tokens_->ForceRefresh(access_token);
        if (auto* failed = std::get_if<Outcome>(&token)) return Failure{*failed, error};
        continue;
      }
      return Failure{
          Outcome::Failed(ErrorClass::kAuth,
                          message +
                              "; Zalo still refuses the access token just refreshed: an OA admin "
                              "must re-authorise loa for the Official Account in a browser and "
                              "install a new refresh token in refresh_token_file '" +
                              settings_.refresh_token_file + "'",
                          status),
          error};
    }
    switch (z.error_class) {
      case ErrorClass::kRateLimited:
      case ErrorClass::kTransient: {
        auto retry_after = RetryAfterOf(*res, clock_.Now());
        if (!retry_after) retry_after = z.retry_after;
        return Failure{Outcome::Retry(z.error_class, message, status, retry_after), error};
      }
      default:
        return Failure{Outcome::Failed(z.error_class, message, status), error};
    }
  }
}

std::string ZaloConnector::MediaUrl(const std::string& item_id, const std::string& name) const {
  std::string base = settings_.media_base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + EncodeSegment(item_id) + "/" + EncodeSegment(name);
}

json ZaloConnector::BuildArticle(const PublishRequest& request) const {
  const Item& item = *request.item;
  ChannelText text = RenderForChannel(item, request.channel);
  std::string html = text.html;
  if (item.link) {
    std::string link = EscapeHtml(*item.link);
    html += "<p><a href=\"" + link + "\">" + link + "</a></p>\n";
  }
  json body = json::array({{{"type", "text"}, {"content", html}}});
  std::string cover = settings_.cover_url;
  if (!settings_.media_base_url.empty()) {
    bool first = true;
    for (const MediaFile& m : item.media) {
      if (!IsArticleImage(m)) continue;
      std::string url = MediaUrl(item.id, m.name);
      if (first) cover = url;
      first = false;
      body.push_back({{"type", "image"}, {"url", url}, {"caption", m.caption}});
    }
  }
  return json{
      {"type", "normal"},
      {"title", text.title},
      {"author", settings_.author},
      {"cover", {{"cover_type", "photo"}, {"photo_url", cover}, {"status", "show"}}},
      {"description", text.summary},
      {"body", body},
      {"status", "show"},
      {"comment", "show"},
  };
}

std::string ZaloConnector::ArticleLink(const std::string& id) {
  auto detail = Call("GET", "article/getdetail?id=" + httplib::detail::encode_query_param(id),
                     std::nullopt, RequestKind::kSafe);
  if (auto* failed = std::get_if<Failure>(&detail)) {
    LogWarning("channel " + channel_ + ": article " + id +
               " is published but its link is unknown: " + failed->outcome.message);
    return "";
  }
  const json& data = DataOf(std::get<json>(detail));
  std::string link = StringField(data, "link_view");
  return link.empty() ? StringField(data, "link") : link;
}

Outcome ZaloConnector::AwaitArticle(const std::string& key, const std::string& token) {
  const auto& backoff = VerifyBackoff();
  for (size_t poll = 0;; ++poll) {
    auto verified = Call("POST", "article/verify", json{{"token", token}}, RequestKind::kSafe);
    if (auto* failed = std::get_if<Failure>(&verified)) {
      std::lock_guard lock(mu_);
      if (failed->outcome.kind == Outcome::Kind::kFailed &&
          failed->outcome.error_class == ErrorClass::kPermanent) {
        pending_verify_.erase(key);  // Zalo gave up on this article
      } else {
        pending_verify_[key] = token;  // the next try asks again instead of creating
      }
      return failed->outcome;
    }
    std::string id = IdField(DataOf(std::get<json>(verified)), "id");
    if (!id.empty()) {
      {
        std::lock_guard lock(mu_);
        pending_verify_.erase(key);
      }
      return Outcome::Published(id, ArticleLink(id), 200);
    }
    if (poll == backoff.size()) break;
    sleep_(backoff[poll]);
  }
  {
    std::lock_guard lock(mu_);
    pending_verify_[key] = token;
  }
  return Outcome::Retry(ErrorClass::kTransient,
                        "Zalo accepted the article but has not finished creating it; the next try "
                        "checks on it instead of creating it again",
                        200, std::chrono::seconds(30));
}

// The whole window, not the latest N articles: a busy queue may put any
// number of articles between an attempt whose answer was lost and the retry
// that looks for it. getslice lists the newest first, so pages are read
// (offset += limit) until one reaches an article created before the window,
// the list ends, or kMaxSlicePages pages were read: then the lookup failed,
// it never says "not found".
ZaloConnector::LookupResult ZaloConnector::FindArticle(const PublishRequest& request) {
  const std::string title = RenderForChannel(*request.item, request.channel).title;
  const TimePoint earliest = request.due_at - kLookupSlack;
  for (int page = 0; page < kMaxSlicePages; ++page) {
    const std::string route = "article/getslice?offset=" + std::to_string(page * kSlicePageSize) +
                              "&limit=" + std::to_string(kSlicePageSize) + "&type=normal";
    auto slice = Call("GET", route, std::nullopt, RequestKind::kSafe);
    if (auto* failed = std::get_if<Failure>(&slice)) return failed->outcome;
    const json& data = DataOf(std::get<json>(slice));
    const json medias = data.is_object() ? data.value("medias", json()) : json();
    if (!medias.is_array()) {
      return Outcome::Retry(ErrorClass::kTransient,
                            "article/getslice: the answer has no list of articles");
    }
    bool older_seen = false;
    for (const json& article : medias) {
      if (!article.is_object()) continue;
      // An older article of the same title (last year's notice) is not
      // ours; one without a readable date is taken as ours rather than risk
      // a duplicate.
      auto created = CreateDate(article);
      if (created && *created < earliest) {
        older_seen = true;
        continue;
      }
      if (StringField(article, "title") != title) continue;
      Found found{IdField(article, "id"), StringField(article, "link_view")};
      if (found.id.empty()) continue;
      if (found.link.empty()) found.link = ArticleLink(found.id);
      return std::optional<Found>(std::move(found));
    }
    if (older_seen || medias.size() < static_cast<size_t>(kSlicePageSize)) {
      return std::optional<Found>();
    }
  }
  return Outcome::Retry(ErrorClass::kTransient,
                        "article/getslice: more than " +
                            std::to_string(kMaxSlicePages * kSlicePageSize) +
                            " articles since a day before the due time; cannot tell whether the "
                            "article is among them");
}

Millis ZaloConnector::LandingTime() const {
  Millis polls{0};
  for (Millis wait : VerifyBackoff()) polls += wait;
  return settings_.http.timeout + polls + kLostCreateMargin;
}

Outcome ZaloConnector::Publish(const PublishRequest& request) {
  const std::string key = request.IdempotencyKey();
  std::optional<std::string> pending;
  {
    std::lock_guard lock(mu_);
    auto it = pending_verify_.find(key);
    if (it != pending_verify_.end()) pending = it->second;
  }
  if (pending) return AwaitArticle(key, *pending);

  if (request.attempt > 1) {
    // An earlier try may have created it with its answer lost.
    LookupResult existing = FindArticle(request);
    if (auto* failed = std::get_if<Outcome>(&existing)) return *failed;
    if (auto& found = std::get<std::optional<Found>>(existing)) {
      Outcome o = Outcome::Published(found->id, found->link, 200);
      o.message = "the article was already on the Official Account (an earlier try created it)";
      return o;
    }
  }

  auto created = Call("POST", "article/create", BuildArticle(request), RequestKind::kCreate);
  if (auto* failed = std::get_if<Failure>(&created)) {
    // A 5xx without Zalo's envelope may come after the article was made.
    if (failed->http_error && failed->outcome.kind == Outcome::Kind::kRetry &&
        failed->outcome.error_class == ErrorClass::kTransient) {
      const Outcome& lost = failed->outcome;
      return LostCreate().AfterLostAnswer(request.attempt, lost.message, lost.http_status,
                                          lost.retry_after);
    }
    return failed->outcome;
  }
  std::string token = StringField(DataOf(std::get<json>(created)), "token");
  if (token.empty()) {
    return Outcome::Uncertain(
        "article/create: Zalo answered success without the article's token; it may have "
        "created the article",
        200);
  }
  return AwaitArticle(key, token);
}

Reconciliation ZaloConnector::Reconcile(const PublishRequest& request) {
  // Taken before the lookup: a create sent before the restart was sent
  // before this instant.
  const TimePoint now = clock_.Now();
  Reconciliation r;
  LookupResult existing = FindArticle(request);
  if (auto* found = std::get_if<std::optional<Found>>(&existing); found && *found) {
    r.kind = Reconciliation::Kind::kPublished;
    r.published = Outcome::Published((*found)->id, (*found)->link, 200);
    r.message = "found the article by its title on the Official Account";
    return r;
  }
  std::string why = "no article with this title since a day before the due time";
  if (auto* failed = std::get_if<Outcome>(&existing)) {
    why = "the lookup failed (" + failed->message + ")";
  }
  // The interrupted attempt may have sent a create that has not landed yet:
  // looking once and creating at once would make a second article. Not
  // found is "not yet": the engine sends again after not_before, and that
  // Publish (attempt > 1) looks first. A failed lookup is the same rather
  // than `uncertain`: that Publish never creates when its own lookup fails.
  return LostCreate().NotFoundYet(request.attempt, now, why);
}

Outcome ZaloConnector::Retract(const PublishRequest& request, const std::string& remote_id) {
  (void)request;
  auto removed = Call("POST", "article/remove", json{{"id", remote_id}}, RequestKind::kSafe);
  if (std::holds_alternative<json>(removed)) {
    Outcome o = Outcome::Retracted(remote_id, 200);
    o.message = "article removed from the Official Account";
    return o;
  }
  const Failure& failed = std::get<Failure>(removed);
  if (failed.zalo_error != -201) return failed.outcome;
  // "id is invalid": gone already (an admin removed it by hand), or a bad
  // id. Only an article Zalo cannot show either counts as gone.
  auto detail =
      Call("GET", "article/getdetail?id=" + httplib::detail::encode_query_param(remote_id),
           std::nullopt, RequestKind::kSafe);
  if (auto* missing = std::get_if<Failure>(&detail);
      missing && missing->outcome.kind == Outcome::Kind::kFailed &&
      missing->outcome.error_class == ErrorClass::kPermanent) {
    Outcome o = Outcome::Retracted(remote_id, 200);
    o.message = "the article is no longer on the Official Account";
    return o;
  }
  return failed.outcome;
}

}  // namespace loa
