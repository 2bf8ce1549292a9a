// The daemon's configuration: model, loading, validation, embedded default.
// Secrets are never held here, only the names of the files that hold them.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"
#include "config/control_config.h"
#include "config/labels_config.h"

namespace loa {

struct ChannelSchema;  // config/channel_schema.h
using ChannelSchemas = std::vector<ChannelSchema>;

namespace fs = std::filesystem;

struct RetryPolicy {
  Millis initial = std::chrono::seconds(30);
  double factor = 2.0;
  Millis max_delay = std::chrono::hours(1);
  int max_attempts = 10;  // counts every try, the first included
};

// TLS and plain-HTTP rules shared by the HTTP channel types; read by
// SettingsReader::Http (config/settings_reader.h).
struct HttpSettings {
  std::optional<fs::path> ca_file;   // absolute; else the system CA store
  bool allow_insecure_http = false;  // plain http:// to a non-loopback host
  Millis timeout = std::chrono::seconds(30);
  bool operator==(const HttpSettings&) const = default;
};

// A channel type's own settings (the keys beside the common ones). Each
// type derives its struct from this in its folder under connectors/ and
// reads it with its ChannelSchema (config/channel_schema.h); config/ knows
// no type.
class ChannelSettings {
 public:
  virtual ~ChannelSettings() = default;
};

inline constexpr int kMaxConcurrency = 64;

struct ChannelConfig {
  std::string name;
  std::string type;  // a registered type's name: "file", "wordpress", ...
  std::shared_ptr<const ChannelSettings> settings;
  std::optional<DailyWindow> window;
  Millis min_interval{0};
  RetryPolicy retry;
  // Files the channel reads while it runs, by key ("ca_file"), resolved:
  // the start-up checks (daemon/startup_checks.h) see that the service can
  // read them before it starts.
  std::vector<std::pair<std::string, fs::path>> read_files;
  // Calls under way at once (1..kMaxConcurrency); request starts are still
  // spaced by min_interval.
  int concurrency = 1;

  // The type's settings; `T` must be the type's own struct (checked).
  template <class T>
  const T& Settings() const {
    return dynamic_cast<const T&>(*settings);
  }
  // nullptr when the settings are of another type.
  template <class T>
  const T* SettingsIf() const {
    return dynamic_cast<const T*>(settings.get());
  }
};

// Where alerts go (the "alerts" section; daemon/alerts.h, README "Alerts").
// Read by config/alerts_config.cc.
struct AlertWebhookConfig {
  std::string url;
  std::string secret_file;  // a *_file name, read through ReadSecret
  HttpSettings http;
  bool operator==(const AlertWebhookConfig&) const = default;
};
struct AlertsConfig {
  // The program and its arguments, run without a shell with the alert on
  // its stdin; argv[0] is an absolute path. Empty: no command.
  std::vector<std::string> command;
  Millis command_timeout = std::chrono::seconds(30);
  std::optional<AlertWebhookConfig> webhook;
  // A credential expiring within this long is alerted about.
  Millis token_warning = std::chrono::hours(24 * 7);
  // Files read at run time (webhook.ca_file, the command), by key path.
  std::vector<std::pair<std::string, fs::path>> read_files;
  bool operator==(const AlertsConfig&) const = default;
};

struct Config {
  fs::path config_dir;  // relative paths and secret files resolve against it
  TimeZone timezone = std::chrono::hours(7);
  fs::path state_dir;  // absolute
  fs::path inbox;      // absolute
  fs::path log_dir;    // absolute
  Millis max_lateness = std::chrono::hours(24 * 7);
  Millis rescan_interval = std::chrono::seconds(30);
  Millis settle_time = std::chrono::seconds(1);  // a dropped file must be still this long
  Millis shutdown_timeout = std::chrono::seconds(30);
  std::map<std::string, ChannelConfig> channels;
  ControlConfig control;  // the control server (docs/control-api.md)
  AlertsConfig alerts;
  // Names the Office's report prints (daemon/report.h); a reload applies them.
  LabelsConfig labels = DefaultLabels();
  // The editors' status page written into the inbox (daemon/status_page.h):
  // a file name there, "" for none.
  std::string status_page = "TRANG-THAI.html";

  fs::path DatabasePath() const { return state_dir / "loa.db"; }
  fs::path MediaDir() const { return state_dir / "media"; }
  fs::path DeliveryLogPath() const { return log_dir / "deliveries.jsonl"; }
  // The control token loa makes itself when control.token_file is not set.
  fs::path ControlTokenPath() const { return state_dir / "control-token"; }
  std::vector<std::string> ChannelNames() const;
};

// Parses config text (JSON with comments). Relative paths resolve against
// `config_dir`. Each channel's "type" names one of `schemas`, which reads
// the type's own keys. On error the message lists every problem, one per
// line, each naming its key path, e.g. "channels.portal.base_url: must be an
// https:// URL (plain http:// only to loopback or with allow_insecure_http)".
// Secret values written inline (password, secret, token...) are refused:
// only *_file keys.
Result<Config> ParseConfig(const std::string& text, const fs::path& config_dir,
                           const ChannelSchemas& schemas);
Result<Config> LoadConfig(const fs::path& config_file, const ChannelSchemas& schemas);

// Reads every secret file the channels name (their schemas' secrets) and
// reports every problem, one per line, each naming its key path and the
// file; never a secret's content.
Status CheckSecrets(const Config& config, const ChannelSchemas& schemas);

// The embedded default, DefaultConfigText() parsed: five `file` channels
// (portal, legal-aid, cchc, facebook, zalo) and state, inbox, outbox and
// logs under `root`/var/. `schemas` must know the file type.
Config DefaultConfig(const fs::path& root, const ChannelSchemas& schemas);
// Its text, as `loa config show-default` prints it.
std::string DefaultConfigText();

}  // namespace loa
