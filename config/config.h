// The daemon's configuration: model, loading, validation, embedded default.
// Secrets are never held here, only the names of the files that hold them.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"

namespace loa {

namespace fs = std::filesystem;

struct RetryPolicy {
  Millis initial = std::chrono::seconds(30);
  double factor = 2.0;
  Millis max_delay = std::chrono::hours(1);
  int max_attempts = 10;  // counts every try, the first included
};

// TLS and plain-HTTP rules shared by the HTTP connector types.
struct HttpSettings {
  std::optional<fs::path> ca_file;   // absolute; else the system CA store
  bool allow_insecure_http = false;  // plain http:// to a non-loopback host
  Millis timeout = std::chrono::seconds(30);
};

struct FileSettings {
  fs::path dir;  // absolute
};

struct WordPressSettings {
  std::string base_url;  // site root, no trailing slash
  std::string username;
  std::string app_password_file;              // resolved by ReadSecret
  std::map<std::string, int64_t> categories;  // topic -> category id
  HttpSettings http;
};

struct WebhookSettings {
  std::string url;
  std::string secret_file;  // resolved by ReadSecret
  HttpSettings http;
};

// A Facebook Page through the Graph API (see platforms.md).
struct FacebookSettings {
  std::string page_id;
  std::string graph_base_url = "https://graph.facebook.com/v21.0";  // version pinned here
  std::string page_token_file;                                      // resolved by ReadSecret
  std::string app_secret_file;  // optional: "" when the app does not require appsecret_proof
  HttpSettings http;
};

// A Zalo Official Account (articles) with OAuth v4 token refresh.
struct ZaloSettings {
  std::string app_id;
  std::string secret_key_file;     // the app's secret key, resolved by ReadSecret
  std::string refresh_token_file;  // only seeds the first refresh; tokens then live in the store
  std::string api_base_url = "https://openapi.zalo.me";
  std::string oauth_base_url = "https://oauth.zaloapp.com";
  std::string author;          // article author, <= 50 characters
  std::string cover_url;       // default cover image (public URL), required
  std::string media_base_url;  // optional public prefix serving MediaDir(): "<prefix>/<id>/<name>"
  HttpSettings http;
};

using ChannelSettings =
    std::variant<FileSettings, WordPressSettings, WebhookSettings, FacebookSettings, ZaloSettings>;

struct ChannelConfig {
  std::string name;
  std::string type;  // "file" | "wordpress" | "webhook"
  ChannelSettings settings;
  std::optional<DailyWindow> window;
  Millis min_interval{0};
  RetryPolicy retry;
};

struct Config {
  fs::path config_dir;  // relative paths and secret files resolve against it
  ZoneOffset timezone = std::chrono::hours(7);
  fs::path state_dir;  // absolute
  fs::path inbox;      // absolute
  fs::path log_dir;    // absolute
  Millis max_lateness = std::chrono::hours(24 * 7);
  Millis rescan_interval = std::chrono::seconds(30);
  Millis settle_time = std::chrono::seconds(1);  // a dropped file must be still this long
  Millis shutdown_timeout = std::chrono::seconds(30);
  std::map<std::string, ChannelConfig> channels;

  fs::path DatabasePath() const { return state_dir / "loa.db"; }
  fs::path MediaDir() const { return state_dir / "media"; }
  fs::path DeliveryLogPath() const { return log_dir / "deliveries.jsonl"; }
  std::vector<std::string> ChannelNames() const;
};

// Parses config text (JSON with comments). Relative paths resolve against
// `config_dir`. On error the message lists every problem, one per line, each
// naming its key path, e.g. "channels.portal.base_url: must be an https:// URL
// (plain http:// only to loopback or with allow_insecure_http)". Secret values
// written inline (password, secret, token...) are refused: only *_file keys.
Result<Config> ParseConfig(const std::string& text, const fs::path& config_dir);
Result<Config> LoadConfig(const fs::path& config_file);

// Reads every secret file the channels name (*_file keys) and reports every
// problem, one per line, each naming its key path and the file; never a
// secret's content. `loa config check` and the daemon's start use it.
Status CheckSecrets(const Config& config);

// The embedded default: five `file` channels (portal, legal-aid, cchc,
// facebook, zalo) and state, inbox, outbox and logs under `root`/var/.
Config DefaultConfig(const fs::path& root);
// Its text, as `loa config show-default` prints it.
std::string DefaultConfigText();

}  // namespace loa
