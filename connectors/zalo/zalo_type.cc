// The `zalo` channel type, declared in one place
// (docs/adding-a-channel.md): articles on a Zalo Official Account, with
// OAuth tokens kept in the injected TokenVault.
#include <cctype>
#include <memory>

#include "connectors/zalo/zalo_article.h"
#include "connectors/zalo/zalo_connector.h"
#include "connectors/zalo/zalo_settings.h"
#include "connectors/zalo/zalo_token.h"
#include "contract/channel_type.h"

namespace loa {

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
// Zalo's article author limit (docs/platforms.md), in characters.
constexpr size_t kMaxAuthorChars = 50;

std::shared_ptr<const ChannelSettings> ReadZalo(SettingsReader& r) {
  auto zalo = std::make_shared<ZaloSettings>();
  zalo->http = r.Http();
  zalo->app_id = r.RequiredString("app_id", "the Zalo app ID");
  zalo->secret_key_file = r.RequiredString(
      "secret_key_file",
      "the name of the file holding the app's secret key (a systemd credential name)");
  zalo->refresh_token_file = r.RequiredString(
      "refresh_token_file",
      "the name of the file holding the first refresh token (a systemd credential name)");
  r.BaseUrl("api_base_url", zalo->http, &zalo->api_base_url);
  r.BaseUrl("oauth_base_url", zalo->http, &zalo->oauth_base_url);
  zalo->author = r.RequiredString("author", "the article author shown by Zalo");
  if (size_t chars = CountCharacters(zalo->author); chars > kMaxAuthorChars) {
    r.Fail("author", "must be at most " + std::to_string(kMaxAuthorChars) +
                         " characters (Zalo's limit); it has " + std::to_string(chars));
  }
  zalo->cover_url = r.RequiredString("cover_url", "the https:// URL of the default cover image");
  if (!zalo->cover_url.empty()) {
    // Zalo's servers fetch it, so it must be public: https only, whatever
    // allow_insecure_http says about loa's own requests.
    std::string scheme = zalo->cover_url.substr(0, 8);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string problem = scheme == "https://"
                              ? UrlProblem(zalo->cover_url, /*allow_insecure_http=*/false, false)
                              : "must be a public https:// URL (Zalo fetches it)";
    if (!problem.empty()) r.Fail("cover_url", problem);
  }
  r.BaseUrl("media_base_url", zalo->http, &zalo->media_base_url);
  return zalo;
}

// docs/platforms.md, Zalo articles: title <= 150, description <= 300
// characters, images jpg/png <= 1 MB, video mp4 <= 50 MB. The author (<= 50)
// is checked when the config is read. Media count only with media_base_url,
// the articles' only way to show them.
ChannelLimits ZaloLimits(const ChannelSettings& settings) {
  ChannelLimits l;
  l.platform = "Zalo";
  l.max_title_chars = 150;
  l.max_description_chars = 300;
  l.media_published = !static_cast<const ZaloSettings&>(settings).media_base_url.empty();
  l.images = {{".jpg", ".jpeg", ".png"}, 1 * kMiB};
  l.videos = {{".mp4"}, 50 * kMiB};
  return l;
}

}  // namespace

ChannelType ZaloChannelType() {
  ChannelType t;
  t.schema.type = "zalo";
  t.schema.keys = {
      "app_id", "secret_key_file", "refresh_token_file", "api_base_url", "oauth_base_url",
      "author", "cover_url",       "media_base_url",     "ca_file",      "allow_insecure_http",
      "timeout"};
  t.schema.secret_file_key = "secret_key_file";
  t.schema.read = ReadZalo;
  t.schema.secrets = [](const ChannelSettings& settings) {
    const auto& s = static_cast<const ZaloSettings&>(settings);
    // refresh_token_file only seeds the first refresh; later pairs live in
    // the vault, but the file is what loa falls back to on a fresh database.
    return std::vector<SecretFile>{{"secret_key_file", s.secret_key_file},
                                   {"refresh_token_file", s.refresh_token_file}};
  };
  t.limits = ZaloLimits;
  t.needs_vault = true;  // single-use refresh tokens: a lost pair needs an admin
  t.credential_expiry = [](const TokenPair& pair) {
    return pair.obtained_at + ZaloTokenManager::kRefreshTokenLifetime;
  };
  t.make = [](const ConnectorContext& ctx) -> Result<std::unique_ptr<Connector>> {
    ZaloConnector::Injected injected;
    injected.secret_key = ctx.Secret("secret_key_file");
    // Read again when the vault holds no pair, or Zalo refused the stored
    // refresh token: an admin may have installed a new one since.
    injected.read_seed = [read = ctx.read_secret] { return read("refresh_token_file"); };
    injected.vault = ctx.vault;
    injected.clock = ctx.clock;
    auto made = ZaloConnector::Create(ctx.channel->Settings<ZaloSettings>(), ctx.channel->name,
                                      ctx.channel->retry.max_attempts, std::move(injected));
    if (!made.ok()) return Error{made.error()};
    return std::unique_ptr<Connector>(std::move(made).value());
  };
  t.preview = [](const ChannelSettings& settings, const PublishRequest& request) {
    return ZaloPreview(static_cast<const ZaloSettings&>(settings), request);
  };
  return t;
}

}  // namespace loa
