#include "connectors/zalo/zalo_token.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "base/json_field.h"
#include "base/log.h"
#include "base/time.h"
#include "connectors/zalo/zalo_errors.h"

namespace loa {

namespace {

using nlohmann::json;

// Zalo documents 25 h. Should an answer come without a readable lifetime
// while carrying a new pair, the pair must still be kept (the old refresh
// token is gone), and an hour is short enough to find out soon.
constexpr Millis kFallbackLifetime = std::chrono::hours(1);

// "expires_in" is a string of seconds ("90000"); a number is accepted too.
std::optional<int64_t> ExpiresInSeconds(const json& answer) {
  std::optional<int64_t> seconds = IntegerField(answer, "expires_in");
  return seconds && *seconds > 0 ? seconds : std::nullopt;
}

// What Zalo said about a refused refresh, from its descriptive fields only:
// the body as a whole could hold a token.
std::string RefusalText(const json& answer) {
  std::string out;
  for (const char* key : {"error_name", "error_reason", "error_description", "message"}) {
    std::string value = StringField(answer, key);
    if (value.empty() || out.find(value) != std::string::npos) continue;
    out += (out.empty() ? "" : "; ") + Excerpt(value, 160);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<ZaloTokenManager>> ZaloTokenManager::Create(
    std::string channel, const ZaloSettings& settings, std::string secret_key, SeedReader read_seed,
    TokenVault& store, const Clock& clock) {
  auto url =
      ParseBaseUrl("oauth_base_url", settings.oauth_base_url, settings.http.allow_insecure_http);
  if (!url.ok()) return Error{url.error()};
  if (settings.app_id.empty()) return Error{"app_id is empty"};
  if (secret_key.empty()) return Error{"the app's secret key is empty"};
  Url oauth = std::move(url).value();
  return std::unique_ptr<ZaloTokenManager>(
      new ZaloTokenManager(std::move(channel), settings, std::move(oauth), std::move(secret_key),
                           std::move(read_seed), store, clock));
}

ZaloTokenManager::ZaloTokenManager(std::string channel, ZaloSettings settings, Url oauth,
                                   std::string secret_key, SeedReader read_seed, TokenVault& store,
                                   const Clock& clock)
    : channel_(std::move(channel)),
      settings_(std::move(settings)),
      oauth_(std::move(oauth)),
      secret_key_(std::move(secret_key)),
      read_seed_(std::move(read_seed)),
      store_(store),
      clock_(clock) {}

void ZaloTokenManager::SetCommitObserver(CommitObserver observer) {
  std::lock_guard lock(mu_);
  on_commit_ = std::move(observer);
}

std::string ZaloTokenManager::Scrub(std::string text, const std::string& extra) const {
  auto redact = [&text](const std::string& secret) {
    if (secret.size() < 4) return;  // too short to be a credential; would mangle words
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
    }
  };
  redact(secret_key_);
  redact(extra);
  for (const auto* pair : {&pair_, &unsaved_}) {
    if (*pair) {
      redact((*pair)->access_token);
      redact((*pair)->refresh_token);
    }
  }
  return text;
}

TimePoint ZaloTokenManager::RefreshDue(const TokenPair& pair) const {
  Millis lifetime = pair.access_expires_at - pair.obtained_at;
  if (lifetime <= Millis(0)) return pair.obtained_at;
  return pair.obtained_at +
         Millis(static_cast<int64_t>(static_cast<double>(lifetime.count()) * kRefreshAt));
}

std::optional<Outcome> ZaloTokenManager::PrepareLocked() {
  if (unsaved_) {
    Status saved = store_.Save(channel_, *unsaved_);
    if (!saved.ok()) {
      return Outcome::Retry(
          ErrorClass::kTransient,
          "channel " + channel_ + ": the refreshed Zalo tokens are still not stored (" +
              Scrub(saved.error()) + "); they are held in memory and not used until stored");
    }
    pair_ = std::move(unsaved_);
    unsaved_.reset();
    loaded_ = true;
    LogInfo("channel " + channel_ + ": refreshed Zalo tokens stored on a later try");
    if (on_commit_) on_commit_();
    return std::nullopt;
  }
  if (!loaded_) {
    auto stored = store_.Load(channel_);
    if (!stored.ok()) {
      return Outcome::Retry(ErrorClass::kTransient,
                            "channel " + channel_ + ": " + Scrub(stored.error()));
    }
    pair_ = std::move(stored).value();
    loaded_ = true;
  }
  return std::nullopt;
}

ZaloTokenManager::TokenResult ZaloTokenManager::AccessToken() {
  std::lock_guard lock(mu_);
  if (auto failed = PrepareLocked()) return *failed;
  const TimePoint now = clock_.Now();
  if (pair_ && now < RefreshDue(*pair_)) return pair_->access_token;
  return RefreshLocked();
}

ZaloTokenManager::TokenResult ZaloTokenManager::ForceRefresh(
    const std::string& refused_access_token) {
  std::lock_guard lock(mu_);
  if (auto failed = PrepareLocked()) return *failed;
  // Single flight: whoever got here first already replaced the token.
  if (pair_ && pair_->access_token != refused_access_token) return pair_->access_token;
  return RefreshLocked();
}

ZaloTokenManager::TokenResult ZaloTokenManager::RefreshLocked() {
  const std::string reauthorise =
      "an OA admin must re-authorise loa for the Official Account in a browser (Zalo for "
      "Developers: the app's Official Account authorisation) and install the new refresh token "
      "in refresh_token_file '" +
      settings_.refresh_token_file + "'; loa reads it at the channel's next try";

  std::string refresh_token;
  bool from_seed = false;
  if (pair_) {
    refresh_token = pair_->refresh_token;
  } else {
    auto seed = read_seed_();
    if (!seed.ok() || seed->empty()) {
      std::string why = seed.ok() ? "it is empty" : Scrub(seed.error());
      return Outcome::Failed(ErrorClass::kAuth, "channel " + channel_ +
                                                    ": no Zalo refresh token to start from (" +
                                                    why + "); " + reauthorise);
    }
    refresh_token = std::move(seed).value();
    from_seed = true;
  }

  bool refused = false;
  auto exchanged = Exchange(refresh_token, &refused);
  if (refused && !from_seed) {
    // The stored refresh token is dead. If an admin has installed a new one
    // since, it is the way back.
    auto seed = read_seed_();
    if (seed.ok() && !seed->empty() && *seed != refresh_token) {
      LogInfo("channel " + channel_ +
              ": Zalo refused the stored refresh token; trying the one in refresh_token_file '" +
              settings_.refresh_token_file + "'");
      refresh_token = std::move(seed).value();
      exchanged = Exchange(refresh_token, &refused);
    }
  }
  if (auto* got = std::get_if<Exchanged>(&exchanged)) {
    const bool lifetime_known = got->lifetime_known;
    TokenResult committed = CommitLocked(std::move(got->pair));
    if (!lifetime_known) {
      LogWarning("channel " + channel_ +
                 ": Zalo's refresh answer had no readable expires_in; the new access token is "
                 "treated as valid for " +
                 FormatDuration(kFallbackLifetime));
    }
    return committed;
  }

  Outcome failed = std::get<Outcome>(std::move(exchanged));
  failed.message = Scrub(std::move(failed.message), refresh_token);
  if (failed.error_class == ErrorClass::kAuth) {
    failed.message += "; the refresh token may be used up: " + reauthorise;
    LogError(failed.message);
  }
  return failed;
}

ZaloTokenManager::TokenResult ZaloTokenManager::CommitLocked(TokenPair pair) {
  // Nothing may come between Zalo's answer and this commit: the answer
  // consumed the old refresh token, so the new one exists only here.
  Status saved = store_.Save(channel_, pair);
  if (!saved.ok()) {
    unsaved_ = std::move(pair);
    std::string message =
        "channel " + channel_ + ": cannot store the refreshed Zalo tokens (" +
        Scrub(saved.error()) +
        "); they are held in memory and not used until stored. If loa stops before they are "
        "stored, an OA admin must re-authorise loa in a browser";
    LogError(message);
    return Outcome::Retry(ErrorClass::kTransient, message);
  }
  pair_ = std::move(pair);
  if (on_commit_) on_commit_();
  LogInfo("channel " + channel_ + ": Zalo access token refreshed, valid until " +
          FormatUtc(pair_->access_expires_at, false));
  return pair_->access_token;
}

std::variant<ZaloTokenManager::Exchanged, Outcome> ZaloTokenManager::Exchange(
    const std::string& refresh_token, bool* refused) {
  *refused = false;
  const std::string path = oauth_.target + "/v4/oa/access_token";
  const std::string what =
      "channel " + channel_ + ": Zalo token refresh " + DescribeRequest("POST", oauth_, path);
  auto client = MakeHttpClient(oauth_, settings_.http);
  httplib::Headers headers = {{"secret_key", secret_key_}};
  httplib::Params form = {
      {"refresh_token", refresh_token},
      {"app_id", settings_.app_id},
      {"grant_type", "refresh_token"},
  };
  auto res = client->Post(path, headers, form);
  if (!res) {
    Outcome o = TransportFailure(res.error(), what, RequestKind::kSafe);
    if (!NothingWasSent(res.error())) {
      // Zalo may have carried the refresh out and its answer, the only copy
      // of the new refresh token, is gone.
      LogWarning(what + ": no answer (" + httplib::to_string(res.error()) +
                 "); if Zalo carried it out, the refresh token is used up and the next refresh "
                 "will be refused, and an OA admin must then re-authorise loa");
    }
    return o;
  }
  const json answer = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  const long long error = ZaloErrorCode(answer);
  if (res->status >= 500 || res->status == 408 || res->status == 429) {
    ErrorClass c = res->status == 429 ? ErrorClass::kRateLimited : ErrorClass::kTransient;
    return Outcome::Retry(c, what + ": HTTP " + std::to_string(res->status), res->status,
                          RetryAfterOf(*res, clock_.Now()));
  }
  if (!answer.is_object() || error != 0 || res->status != 200) {
    *refused = true;
    std::string detail = what + ": refused";
    if (error != 0) detail += " with error " + std::to_string(error);
    if (res->status != 200) detail += " (HTTP " + std::to_string(res->status) + ")";
    if (std::string text = RefusalText(answer); !text.empty()) detail += ": " + text;
    if (!answer.is_object()) detail += ": the answer is not JSON";
    return Outcome::Failed(ErrorClass::kAuth, detail, res->status);
  }

  TokenPair pair;
  pair.access_token = StringField(answer, "access_token");
  pair.refresh_token = StringField(answer, "refresh_token");
  if (pair.access_token.empty() || pair.refresh_token.empty()) {
    *refused = true;
    std::string missing = pair.access_token.empty() ? "access_token" : "";
    if (pair.refresh_token.empty())
      missing += missing.empty() ? "refresh_token" : " and refresh_token";
    return Outcome::Failed(ErrorClass::kAuth, what + ": the answer has no " + missing, res->status);
  }
  pair.obtained_at = clock_.Now();
  auto seconds = ExpiresInSeconds(answer);
  pair.access_expires_at =
      pair.obtained_at + (seconds ? Millis(*seconds * 1000) : kFallbackLifetime);
  return Exchanged{std::move(pair), seconds.has_value()};
}

}  // namespace loa
