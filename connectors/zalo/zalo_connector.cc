#include "connectors/zalo/zalo_connector.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "base/json_field.h"
#include "base/log.h"
#include "base/time.h"
#include "connectors/http/render.h"
#include "connectors/zalo/zalo_errors.h"

namespace loa {

namespace {

using nlohmann::json;

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

}  // namespace

const std::vector<Millis>& ZaloConnector::VerifyBackoff() {
  static const std::vector<Millis> kBackoff = {Millis(500), Millis(1000), Millis(2000),
                                               Millis(4000)};
  return kBackoff;
}

Result<std::unique_ptr<ZaloConnector>> ZaloConnector::Create(const ZaloSettings& settings,
                                                             const std::string& channel,
                                                             int max_attempts, Injected injected) {
  auto api = ParseBaseUrl("api_base_url", settings.api_base_url, settings.http.allow_insecure_http);
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
  if (injected.vault == nullptr) return Error{"no token vault to keep the OAuth tokens in"};
  if (injected.clock == nullptr) return Error{"no clock"};
  if (!injected.read_seed) return Error{"no way to read refresh_token_file"};
  std::unique_ptr<ZaloConnector> connector(
      new ZaloConnector(channel, settings, std::move(api).value(), *injected.clock, max_attempts));
  auto tokens =
      ZaloTokenManager::Create(channel, settings, std::move(injected.secret_key),
                               std::move(injected.read_seed), *injected.vault, *injected.clock);
  if (!tokens.ok()) return Error{tokens.error()};
  connector->tokens_ = std::move(tokens).value();
  return connector;
}

ZaloConnector::ZaloConnector(std::string channel, ZaloSettings settings, Url api,
                             const Clock& clock, int max_attempts)
    : channel_(std::move(channel)),
      settings_(std::move(settings)),
      api_(std::move(api)),
      clock_(clock),
      max_attempts_(max_attempts) {}

ZaloConnector::~ZaloConnector() = default;

ZaloConnector::CallResult ZaloConnector::Call(const std::string& method, const std::string& route,
                                              const std::optional<json>& body, RequestKind kind) {
  const std::string path = api_.target + "/v2.0/" + route;
  const std::string what = DescribeRequest(method, api_, path);
  auto token = tokens_->AccessToken();
  if (auto* failed = std::get_if<Outcome>(&token)) {
    Failure failure;
    failure.outcome = *failed;
    return failure;
  }

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
    if (!res) {
      Failure failed;
      failed.outcome = TransportFailure(res.error(), what, kind);
      return failed;
    }
    ZaloAnswer answer =
        ClassifyZaloAnswer(res->status, res->body, RetryAfterOf(*res, clock_.Now()), what, kind);
    if (answer.ok) return std::move(answer.body);
    if (!answer.token_refused) return answer;
    if (round == 0) {
      // A refused call did nothing, so repeating it is safe.
      LogInfo("channel " + channel_ + ": " + what + ": Zalo refused the access token (error " +
              std::to_string(answer.zalo_error) + "); refreshing it");
      token = tokens_->ForceRefresh(access_token);
      if (auto* failed = std::get_if<Outcome>(&token)) {
        answer.outcome = *failed;
        return answer;
      }
      continue;
    }
    answer.outcome = Outcome::Failed(
        ErrorClass::kAuth,
        answer.outcome.message +
            "; Zalo still refuses the access token just refreshed: an OA admin must re-authorise "
            "loa for the Official Account in a browser and install a new refresh token in "
            "refresh_token_file '" +
            settings_.refresh_token_file + "'",
        res->status);
    return answer;
  }
}

std::string ZaloConnector::ArticleLink(const std::string& id) {
  auto detail = Call("GET", "article/getdetail?id=" + httplib::detail::encode_query_param(id),
                     std::nullopt, RequestKind::kSafe);
  if (auto* failed = std::get_if<Failure>(&detail)) {
    LogWarning("channel " + channel_ + ": article " + id +
               " is published but its link is unknown: " + failed->outcome.message);
    return "";
  }
  const json& data = ZaloData(std::get<json>(detail));
  std::string link = StringField(data, "link_view");
  return link.empty() ? StringField(data, "link") : link;
}

Outcome ZaloConnector::VerifyOnce(const PublishRequest& request, const ZaloVerifyResume& resume) {
  const auto& backoff = VerifyBackoff();
  auto verified =
      Call("POST", "article/verify", json{{"token", resume.article_token}}, RequestKind::kSafe);
  std::string why = "Zalo accepted the article but has not finished creating it";
  if (auto* failed = std::get_if<Failure>(&verified)) {
    const Outcome& o = failed->outcome;
    // Zalo gave up on the article, or a person must act: said as it is.
    if (o.kind != Outcome::Kind::kRetry) return o;
    why = o.message;  // a poll that got no answer counts as a poll
  } else {
    std::string id = IdField(ZaloData(std::get<json>(verified)), "id");
    if (!id.empty()) return Outcome::Published(id, ArticleLink(id), 200);
  }
  // Poll n (0 right after the create) is followed by VerifyBackoff()[n]'s
  // wait; after the last one nothing more is polled.
  const size_t done = static_cast<size_t>(resume.poll);
  if (done < backoff.size()) {
    Millis wait = backoff[done];
    if (auto* failed = std::get_if<Failure>(&verified); failed && failed->outcome.retry_after) {
      wait = std::max(wait, *failed->outcome.retry_after);
    }
    return Outcome::Pending(wait, EncodeZaloResume({resume.poll + 1, resume.article_token}),
                            why + "; checking on it again in " + FormatDuration(wait), 200);
  }
  // The polls are used up: from here it is a create whose outcome is not
  // known, and the next try looks it up before creating anything.
  return LostCreate().AfterLostAnswer(
      request.attempt,
      why + " after " + std::to_string(backoff.size() + 1) + " checks (it is not finished)", 200,
      std::nullopt);
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
    const json& data = ZaloData(std::get<json>(slice));
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
  if (!request.resume_token.empty()) {
    if (auto resume = ParseZaloResume(request.resume_token)) return VerifyOnce(request, *resume);
    // Not one of ours (a database from another version): start over, and
    // as the article may exist, look it up first (below).
    LogWarning("channel " + channel_ + ": item " + request.item->id +
               ": the stored resume token is not a Zalo verify; looking the article up instead");
  }
  if (request.attempt > 1 || !request.resume_token.empty()) {
    // An earlier try may have created it with its answer lost.
    LookupResult existing = FindArticle(request);
    if (auto* failed = std::get_if<Outcome>(&existing)) return *failed;
    if (auto& found = std::get<std::optional<Found>>(existing)) {
      Outcome o = Outcome::Published(found->id, found->link, 200);
      o.message = "the article was already on the Official Account (an earlier try created it)";
      return o;
    }
  }

  auto created =
      Call("POST", "article/create", BuildZaloArticle(settings_, request), RequestKind::kCreate);
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
  std::string token = StringField(ZaloData(std::get<json>(created)), "token");
  if (token.empty()) {
    return Outcome::Uncertain(
        "article/create: Zalo answered success without the article's token; it may have "
        "created the article",
        200);
  }
  return VerifyOnce(request, ZaloVerifyResume{0, token});
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
  // -201 "id is invalid": gone already (an admin removed it by hand), or a
  // bad id. getdetail tells them apart: only its own -201, "no such
  // article", counts as gone (docs/platforms.md, Zalo's error table).
  if (failed.zalo_error != kZaloInvalidParam) return failed.outcome;
  auto detail =
      Call("GET", "article/getdetail?id=" + httplib::detail::encode_query_param(remote_id),
           std::nullopt, RequestKind::kSafe);
  if (std::holds_alternative<json>(detail)) return failed.outcome;  // it is still there
  const Failure& lookup = std::get<Failure>(detail);
  if (lookup.zalo_error == kZaloInvalidParam) {
    Outcome o = Outcome::Retracted(remote_id, 200);
    o.message = "the article is no longer on the Official Account";
    return o;
  }
  // Any other failure (the OA disabled, the API not authorised, a rate
  // limit, no answer) says nothing about the article: that failure is what
  // the operator, or the next try, has to deal with.
  Outcome o = lookup.outcome;
  o.message =
      "remove answered -201 and the check whether the article is still there failed: " + o.message;
  return o;
}

}  // namespace loa
