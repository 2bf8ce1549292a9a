#include "config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/json_parse.h"
#include "base/log.h"
#include "base/net.h"
#include "base/text.h"
#include "config/alerts_config.h"
#include "config/channel_schema.h"
#include "config/labels_config.h"
#include "config/settings_reader.h"

namespace loa {

namespace {

using json = nlohmann::json;

// Config files are small; a huge one is a mistake (or not a config at all).
constexpr size_t kMaxConfigBytes = 1 << 20;
// A config nests 4 levels deep (root, channels, a channel, its retry); more
// than this is not a config. The limit also bounds the key paths
// ParseJsonText keeps per level, which would otherwise grow with the
// square of the depth (gigabytes for 100,000 nested arrays).
constexpr size_t kMaxConfigDepth = 32;

const std::vector<std::string> kTopLevelKeys = {
    "timezone",    "state_dir",        "inbox",    "log_dir", "max_lateness", "rescan_interval",
    "settle_time", "shutdown_timeout", "channels", "control", "alerts",       "labels",
    "status_page"};
const std::vector<std::string> kControlKeys = {"listen", "token_file"};
const std::vector<std::string> kChannelCommonKeys = {"type", "window", "min_interval",
                                                     "concurrency", "retry"};
const std::vector<std::string> kRetryKeys = {"initial", "factor", "max_delay", "max_attempts"};

std::string ListWords(const std::vector<std::string>& words, const std::string& separator = ", ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// nlohmann's message quotes the text it last read, which could be a secret
// someone pasted into the file; keep only the position and the reason.
std::string DescribeParseError(const json::parse_error& e) {
  std::string what = e.what();
  if (size_t tag_end = what.find("] ");
      what.starts_with("[json.exception") && tag_end != std::string::npos) {
    what.erase(0, tag_end + 2);
  }
  if (size_t quoted = what.find("; last read: '"); quoted != std::string::npos) {
    size_t expected = what.rfind("'; expected ");
    std::string tail = expected != std::string::npos && expected > quoted
                           ? what.substr(expected + 1)
                           : std::string();
    what = what.substr(0, quoted) + tail;
  }
  return what;
}

// The status page is written into the inbox, which editors open from
// Windows over Samba: a plain ASCII name that Windows accepts, ending in
// .html so that the inbox watcher never mistakes it for an item (NAME.json)
// and a browser opens it. "" when `name` is one.
std::string StatusPageNameProblem(const std::string& name) {
  if (name.empty()) return "";
  if (name.size() > 100) return "at most 100 characters";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e || std::string_view("<>:\"/\\|?*").find(c) != std::string::npos) {
      return "a file name in the inbox: ASCII letters, digits, '-', '_', '.' (no folder, no "
             "space), like \"TRANG-THAI.html\"";
    }
  }
  if (name[0] == '.' || name[0] == '~') return "must not start with '.' or '~' (hidden names)";
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!lower.ends_with(".html") || lower.size() == 5)
    return "must end in .html, like \"TRANG-THAI.html\"";
  return "";
}

// Walks the parsed JSON and builds the Config, collecting every problem.
class ConfigReader {
 public:
  // `earlier_errors` are whole lines found while parsing (duplicate keys).
  ConfigReader(fs::path config_dir, std::vector<std::string> earlier_errors,
               const ChannelSchemas& schemas)
      : config_dir_(std::move(config_dir)), errors_(std::move(earlier_errors)), schemas_(schemas) {
    for (const auto& schema : schemas_) type_names_.push_back(schema.type);
  }

  Result<Config> Read(const json& root) {
    Config config;
    config.config_dir = config_dir_;
    if (!root.is_object()) {
      errors_.push_back("config: expected a JSON object { ... } at the top level");
      return Finish(std::move(config));
    }
    SettingsReader top(root, "", config_dir_, &errors_);
    top.CheckKeys(kTopLevelKeys, "");
    if (auto tz = top.String(
            "timezone", "an IANA zone like \"Asia/Ho_Chi_Minh\" or a UTC offset like \"+07:00\"")) {
      auto parsed = TimeZone::Parse(*tz);
      if (parsed.ok()) {
        config.timezone = *parsed;
      } else {
        top.Fail("timezone", parsed.error());
      }
    }
    config.state_dir = top.Folder("state_dir", "var/state");
    config.inbox = top.Folder("inbox", "var/inbox");
    config.log_dir = top.Folder("log_dir", "var/log");
    top.Duration("max_lateness", /*allow_zero=*/false, &config.max_lateness);
    top.Duration("rescan_interval", /*allow_zero=*/false, &config.rescan_interval);
    top.Duration("settle_time", /*allow_zero=*/true, &config.settle_time);
    top.Duration("shutdown_timeout", /*allow_zero=*/false, &config.shutdown_timeout);
    if (auto page = top.String("status_page", "a file name like \"TRANG-THAI.html\", or \"\"")) {
      if (std::string problem = StatusPageNameProblem(*page); !problem.empty()) {
        top.Fail("status_page", problem);
      } else {
        config.status_page = *page;
      }
    }
    ReadChannels(top, &config);
    ReadControl(top, &config.control);
    ReadAlerts(top, &config.alerts);
    ReadLabels(top, &config.labels);
    return Finish(std::move(config));
  }

 private:
  Result<Config> Finish(Config config) {
    if (errors_.empty()) return config;
    std::string message;
    for (const auto& e : errors_) message += (message.empty() ? "" : "\n") + e;
    return Error{message};
  }

  void ReadChannels(SettingsReader& top, Config* config) {
    const json* channels = top.Find("channels");
    if (channels == nullptr) {
      top.Fail("channels", "missing; at least one channel is required");
      return;
    }
    if (!channels->is_object()) {
      top.Fail("channels", "expected an object of channel name -> { \"type\": ... }");
      return;
    }
    if (channels->empty()) {
      top.Fail("channels", "at least one channel is required");
      return;
    }
    for (const auto& [name, body] : channels->items()) {
      SettingsReader reader(body, "channels." + name, config_dir_, &errors_);
      if (!IsValidChannelName(name)) {
        reader.Fail("",
                    "a channel name must start with a lower-case letter or digit and hold only "
                    "a-z, 0-9, '-' and '_' (at most 64 characters)");
      }
      if (!body.is_object()) {
        reader.Fail("", "expected an object { \"type\": \"" + ListWords(type_names_, "\" | \"") +
                            "\", ... }");
        continue;
      }
      if (auto channel = ReadChannel(name, reader)) config->channels[name] = std::move(*channel);
    }
    CheckFolders(*config);
  }

  // docs/control-api.md, "Where and who".
  void ReadControl(SettingsReader& top, ControlConfig* control) {
    const json* v = top.Find("control");
    if (v == nullptr) return;
    if (!v->is_object()) {
      top.Fail("control", "expected an object like {\"listen\": \"127.0.0.1:8470\"}");
      return;
    }
    SettingsReader reader(*v, "control", config_dir_, &errors_);
    reader.CheckKeys(kControlKeys, "token_file");
    if (auto listen =
            reader.String("listen", "HOST:PORT like \"127.0.0.1:8470\", or \"\" for off")) {
      control->listen = *listen;
      if (!listen->empty()) {
        auto address = ParseListenAddress(*listen);
        if (address.ok()) {
          control->address = *address;
        } else {
          reader.Fail("listen", address.error());
        }
      }
    }
    if (auto file = reader.String("token_file", "the name of a file holding the token")) {
      if (file->empty()) reader.Fail("token_file", "must not be empty (leave it out instead)");
      control->token_file = *file;
    }
  }

  static bool IsValidChannelName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_or_digit(name[0])) return false;
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return lower_or_digit(c) || c == '-' || c == '_'; });
  }

  std::optional<ChannelConfig> ReadChannel(const std::string& name, SettingsReader& reader) {
    ChannelConfig channel;
    channel.name = name;
    const std::string type_help = "one of " + ListWords(type_names_);
    const ChannelSchema* schema = nullptr;
    if (reader.Find("type") == nullptr) {
      reader.Fail("type", "missing; expected " + type_help);
    } else if (auto type = reader.String("type", type_help)) {
      schema = FindSchema(schemas_, *type);
      if (schema == nullptr) {
        reader.Fail("type", "unknown channel type \"" + *type + "\"; expected " + type_help);
      }
    }

    if (auto window = reader.String("window", "a daily window like \"06:00-22:00\"")) {
      auto parsed = ParseDailyWindow(*window);
      if (parsed.ok()) {
        channel.window = *parsed;
      } else {
        reader.Fail("window", parsed.error());
      }
    }
    reader.Duration("min_interval", /*allow_zero=*/true, &channel.min_interval);
    ReadRetry(reader, &channel.retry);

    if (schema == nullptr) {
      // Without a known type the type-specific keys cannot be judged; still
      // refuse secrets written inline.
      reader.RefuseInlineSecrets();
      return std::nullopt;
    }
    channel.type = schema->type;
    ReadConcurrency(reader, schema->default_concurrency, &channel.concurrency);
    std::vector<std::string> allowed = kChannelCommonKeys;
    allowed.insert(allowed.end(), schema->keys.begin(), schema->keys.end());
    reader.CheckKeys(allowed, schema->secret_file_key);
    channel.settings = schema->read(reader);
    if (!reader.ok() || channel.settings == nullptr) return std::nullopt;
    channel.read_files = reader.read_files();
    return channel;
  }

  void ReadConcurrency(SettingsReader& reader, int type_default, int* concurrency) {
    *concurrency = type_default;
    const json* n = reader.Find("concurrency");
    if (n == nullptr) return;
    if (!n->is_number_integer() || n->get<int64_t>() < 1 || n->get<int64_t>() > kMaxConcurrency) {
      reader.Fail("concurrency", "expected a whole number from 1 to " +
                                     std::to_string(kMaxConcurrency) +
                                     " (calls under way at once on the channel)");
      return;
    }
    *concurrency = static_cast<int>(n->get<int64_t>());
  }

  void ReadRetry(SettingsReader& channel, RetryPolicy* retry) {
    const json* v = channel.Find("retry");
    if (v == nullptr) return;
    if (!v->is_object()) {
      channel.Fail("retry",
                   "expected an object like {\"initial\": \"30s\", \"factor\": 2, "
                   "\"max_delay\": \"1h\", \"max_attempts\": 10}");
      return;
    }
    SettingsReader reader(*v, channel.KeyPath("retry"), config_dir_, &errors_);
    reader.CheckKeys(kRetryKeys, "");
    reader.Duration("initial", /*allow_zero=*/false, &retry->initial);
    reader.Duration("max_delay", /*allow_zero=*/false, &retry->max_delay);
    if (const json* f = reader.Find("factor")) {
      if (!f->is_number() || f->get<double>() < 1.0 || f->get<double>() > 100.0) {
        reader.Fail("factor", "expected a number from 1 to 100 (2 doubles each delay)");
      } else {
        retry->factor = f->get<double>();
      }
    }
    if (const json* n = reader.Find("max_attempts")) {
      if (!n->is_number_integer() || n->get<int64_t>() < 1 || n->get<int64_t>() > 1000) {
        reader.Fail("max_attempts",
                    "expected a whole number from 1 to 1000 (it counts every try, the first "
                    "included)");
      } else {
        retry->max_attempts = static_cast<int>(n->get<int64_t>());
      }
    }
    if (retry->max_delay < retry->initial) {
      reader.Fail("max_delay", "must not be shorter than retry.initial (" +
                                   FormatDuration(retry->initial) + ")");
    }
  }

  // Two channels writing into one folder would overwrite each other's
  // output; a folder inside the inbox would feed its output back in as new
  // items. The folders are the ones each type's schema names (a file
  // channel's "dir").
  void CheckFolders(const Config& config) {
    std::map<fs::path, std::string> owners;  // folder -> "channels.<name>.<key>"
    for (const auto& [name, channel] : config.channels) {
      for (const ChannelFolder& folder : FoldersOf(channel, schemas_)) {
        if (folder.path.empty()) continue;
        std::string path = "channels." + name + "." + folder.key;
        auto [it, inserted] = owners.emplace(folder.path, path);
        if (!inserted) {
          errors_.push_back(path + ": same folder as " + it->second +
                            "; each channel needs its own");
        }
        if (IsSameOrInside(folder.path, config.inbox)) {
          errors_.push_back(
              path +
              ": must not be inside the inbox folder (its output would be read as new "
              "items)");
        }
      }
    }
  }

  static bool IsSameOrInside(const fs::path& path, const fs::path& folder) {
    auto p = path.begin();
    for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
      if (f->empty()) continue;  // the trailing "" of "dir/"
      if (p == path.end() || *p != *f) return false;
    }
    return true;
  }

  fs::path config_dir_;
  std::vector<std::string> errors_;
  const ChannelSchemas& schemas_;
  std::vector<std::string> type_names_;
};

fs::path AbsoluteDir(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir.empty() ? fs::path(".") : dir, ec);
  if (ec) abs = dir;
  abs = abs.lexically_normal();
  // "/etc/loa/" normalizes with an empty last part; drop it so joins stay clean.
  if (!abs.has_filename() && abs.has_relative_path()) abs = abs.parent_path();
  return abs;
}

}  // namespace

std::vector<std::string> Config::ChannelNames() const {
  std::vector<std::string> names;
  names.reserve(channels.size());
  for (const auto& [name, channel] : channels) names.push_back(name);
  return names;
}

Result<Config> ParseConfig(const std::string& text, const fs::path& config_dir,
                           const ChannelSchemas& schemas) {
  std::vector<DuplicateKey> duplicates;
  json root;
  try {
    root = ParseJsonText(text, kMaxConfigDepth, &duplicates);
  } catch (const json::parse_error& e) {
    return Error{"config: not valid JSON (comments allowed): " + DescribeParseError(e)};
  } catch (const json::out_of_range&) {
    // nlohmann's message quotes the number; say what is wrong without it.
    return Error{"config: a number is out of range (at most about 1.8e308)"};
  } catch (const json::exception&) {
    return Error{"config: not valid JSON (comments allowed)"};
  } catch (const JsonTooDeep&) {
    return Error{"config: objects and arrays nested more than " + std::to_string(kMaxConfigDepth) +
                 " levels deep (a config needs 4)"};
  }
  std::vector<std::string> duplicate_errors;
  for (const DuplicateKey& d : duplicates)
    duplicate_errors.push_back(d.path + ": appears more than once");
  return ConfigReader(AbsoluteDir(config_dir), std::move(duplicate_errors), schemas).Read(root);
}

Result<Config> LoadConfig(const fs::path& config_file, const ChannelSchemas& schemas) {
  fs::path file = AbsoluteDir(config_file);
  auto text = ReadFile(file, kMaxConfigBytes);
  if (!text.ok()) return Error{"cannot load config: " + text.error()};
  auto config = ParseConfig(*text, file.parent_path(), schemas);
  if (config.ok()) return config;
  // Compiler style: every line names the file, so each stands alone in a log.
  std::string message;
  std::string_view all = config.error();
  while (!all.empty()) {
    size_t end = all.find('\n');
    message +=
        (message.empty() ? "" : "\n") + file.string() + ": " + std::string(all.substr(0, end));
    all = end == std::string_view::npos ? std::string_view() : all.substr(end + 1);
  }
  return Error{message};
}

std::string DefaultConfigText() {
  return R"(// loa's embedded default configuration: what `loa daemon` uses without
// --config. Paths are relative to the folder loa runs in, so everything it
// writes stays under ./var/.
{
  // Item times written without an offset are read in this zone, and times
  // are shown in it: an IANA name from the system's tz database, or a fixed
  // UTC offset like "+07:00".
  "timezone": "Asia/Ho_Chi_Minh",

  // The database and stored media.
  "state_dir": "var/state",
  // Drop approved items here; they move to inbox/accepted/ or inbox/rejected/.
  "inbox": "var/inbox",
  // deliveries.jsonl: one line per delivery attempt.
  "log_dir": "var/log",

  // Items overdue by more than this are marked missed instead of being sent.
  "max_lateness": "7d",
  // The inbox is also rescanned this often (network shares can miss inotify).
  "rescan_interval": "30s",
  // A dropped file must stay unchanged this long before it is read.
  "settle_time": "1s",
  // On SIGTERM, in-flight deliveries get this long to finish.
  "shutdown_timeout": "30s",
  // What became of the items, for the editors, written into the inbox (open
  // it in a browser); "" for none.
  "status_page": "TRANG-THAI.html",

  // The department's five channels, each writing what it would publish
  // (HTML, plain text, JSON and media) into var/outbox/<channel>/. Replace
  // them with wordpress, webhook, facebook or zalo channels in a real
  // config (see config/loa.example.json).
  "channels": {
    "portal":    { "type": "file", "dir": "var/outbox/portal" },
    "legal-aid": { "type": "file", "dir": "var/outbox/legal-aid" },
    "cchc":      { "type": "file", "dir": "var/outbox/cchc" },
    "facebook":  { "type": "file", "dir": "var/outbox/facebook" },
    "zalo":      { "type": "file", "dir": "var/outbox/zalo" }
  },

  // The control API (docs/control-api.md) for `loa status`, `loa queue`,
  // `loa retry`... and monitoring; "" turns it off. Without "token_file",
  // the bearer token is made at first start in state_dir/control-token.
  "control": { "listen": "127.0.0.1:8470" }
}
)";
}

Config DefaultConfig(const fs::path& root, const ChannelSchemas& schemas) {
  auto config = ParseConfig(DefaultConfigText(), root, schemas);
  if (!config.ok()) {
    // The text is part of the binary and covered by tests; failing here is a
    // build defect, not something an operator can fix.
    LogLines(LogLevel::kError, "loa: the embedded default config is invalid: ", config.error());
    std::abort();
  }
  return std::move(config).value();
}

}  // namespace loa
