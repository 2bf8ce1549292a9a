#include "config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/fs.h"
#include "base/net.h"
#include "base/text.h"

namespace loa {

namespace {

using json = nlohmann::json;

// Config files are small; a huge one is a mistake (or not a config at all).
constexpr size_t kMaxConfigBytes = 1 << 20;
// A config nests 4 levels deep (root, channels, a channel, its retry); more
// than this is not a config. The limit also bounds the key paths
// DuplicateKeyFinder keeps per level, which would otherwise grow with the
// square of the depth (gigabytes for 100,000 nested arrays).
constexpr int kMaxConfigDepth = 32;

const std::vector<std::string> kTopLevelKeys = {
    "timezone",    "state_dir",        "inbox",   "log_dir", "max_lateness", "rescan_interval",
    "settle_time", "shutdown_timeout", "channels"};
const std::vector<std::string> kChannelCommonKeys = {"type", "window", "min_interval", "retry"};
const std::vector<std::string> kFileKeys = {"dir"};
const std::vector<std::string> kWordPressKeys = {"base_url",   "username", "app_password_file",
                                                 "categories", "ca_file",  "allow_insecure_http",
                                                 "timeout"};
const std::vector<std::string> kWebhookKeys = {"url", "secret_file", "ca_file",
                                               "allow_insecure_http", "timeout"};
const std::vector<std::string> kFacebookKeys = {
    "page_id", "graph_base_url", "page_token_file",    "app_secret_file",
    "ca_file", "timeout",        "allow_insecure_http"};
const std::vector<std::string> kZaloKeys = {
    "app_id", "secret_key_file", "refresh_token_file", "api_base_url", "oauth_base_url",
    "author", "cover_url",       "media_base_url",     "ca_file",      "allow_insecure_http",
    "timeout"};
const std::vector<std::string> kRetryKeys = {"initial", "factor", "max_delay", "max_attempts"};
const std::vector<std::string> kChannelTypes = {"file", "wordpress", "webhook", "facebook", "zalo"};

// Zalo's article author limit (platforms.md), in characters.
constexpr size_t kMaxZaloAuthorChars = 50;

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string ListWords(const std::vector<std::string>& words, const std::string& separator = ", ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// Code points in UTF-8 text (nlohmann has already refused invalid UTF-8).
size_t CountChars(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A key that names a secret value rather than the file holding it, such as
// "password", "app_password", "webhook_secret" or "access_token".
bool IsInlineSecretKey(const std::string& key) {
  std::string k = Lower(key);
  if (k.ends_with("_file")) return false;
  for (std::string_view word : {"password", "passwd", "secret", "token", "api_key", "apikey"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

// What is wrong with a connector URL, or "" when it is acceptable. Never
// quotes the URL: user info or a query may carry a credential.
std::string UrlProblem(std::string_view url, bool allow_insecure_http, bool site_root) {
  const std::string kNeedHttps =
      "must be an https:// URL (plain http:// only to loopback or with allow_insecure_http)";
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return "must not contain spaces or control characters";
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return kNeedHttps;
  std::string scheme = Lower(url.substr(0, sep));
  if (scheme != "https" && scheme != "http") return kNeedHttps;
  std::string_view rest = url.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain user:password@ (secrets belong in a *_file key)";
  }
  if (site_root && target.find_first_of("?#") != std::string_view::npos) {
    return "must be the site root, without ?query or #fragment";
  }
  if (target.find('#') != std::string_view::npos) return "must not contain a #fragment";

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an unterminated [IPv6] host";
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has unexpected text after the [IPv6] host";
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "has an empty port after ':'";
  }
  if (host.empty()) return "has no host";
  if (!port.empty()) {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    int value = digits ? std::atoi(std::string(port).c_str()) : 0;
    if (value < 1 || value > 65535) return "has a port outside 1-65535";
  }
  if (scheme == "http" && !allow_insecure_http && !IsLoopbackHost(host)) return kNeedHttps;
  return "";
}

// Thrown by DuplicateKeyFinder to stop the parse at once; ParseConfig turns
// it into an error.
struct TooDeep {};

// Records every duplicate key while nlohmann parses (it would otherwise keep
// the last one silently, hiding a mistake), and stops the parse at the first
// object or array nested deeper than kMaxConfigDepth.
class DuplicateKeyFinder {
 public:
  explicit DuplicateKeyFinder(std::vector<std::string>* errors) : errors_(errors) {}

  bool operator()(int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxConfigDepth) throw TooDeep{};  // depth counts the levels around it
        levels_.push_back(Level{ChildPath(), event == json::parse_event_t::array_start, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!levels_.empty()) levels_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!levels_.empty() && parsed.is_string()) {
          Level& level = levels_.back();
          level.last_key = parsed.get<std::string>();
          if (!level.keys.insert(level.last_key).second) {
            errors_->push_back(Join(level.path, level.last_key) + ": appears more than once");
          }
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  }

 private:
  struct Level {
    std::string path;
    bool is_array;
    std::set<std::string> keys;
    std::string last_key;
  };

  std::string ChildPath() const {
    if (levels_.empty()) return "";
    const Level& parent = levels_.back();
    return parent.is_array ? parent.path + "[]" : Join(parent.path, parent.last_key);
  }

  std::vector<std::string>* errors_;
  std::vector<Level> levels_;
};

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

// Walks the parsed JSON and builds the Config, collecting every problem.
class ConfigReader {
 public:
  // `earlier_errors` are whole lines found while parsing (duplicate keys).
  ConfigReader(fs::path config_dir, std::vector<std::string> earlier_errors)
      : config_dir_(std::move(config_dir)), errors_(std::move(earlier_errors)) {}

  Result<Config> Read(const json& root) {
    Config config;
    config.config_dir = config_dir_;
    if (!root.is_object()) {
      Fail("config", "expected a JSON object { ... } at the top level");
      return Finish(std::move(config));
    }
    CheckKeys(root, "", kTopLevelKeys, "");
    if (auto tz = String(root, "timezone", "", "a UTC offset like \"+07:00\"")) {
      auto parsed = ParseZoneOffset(*tz);
      if (parsed.ok()) {
        config.timezone = *parsed;
      } else {
        Fail("timezone", parsed.error());
      }
    }
    config.state_dir = Folder(root, "state_dir", "", "var/state");
    config.inbox = Folder(root, "inbox", "", "var/inbox");
    config.log_dir = Folder(root, "log_dir", "", "var/log");
    Duration(root, "max_lateness", "", /*allow_zero=*/false, &config.max_lateness);
    Duration(root, "rescan_interval", "", /*allow_zero=*/false, &config.rescan_interval);
    Duration(root, "settle_time", "", /*allow_zero=*/true, &config.settle_time);
    Duration(root, "shutdown_timeout", "", /*allow_zero=*/false, &config.shutdown_timeout);
    ReadChannels(root, &config);
    return Finish(std::move(config));
  }

 private:
  void Fail(const std::string& path, const std::string& what) {
    errors_.push_back(path + ": " + what);
  }

  void FailInlineSecret(const std::string& key_path, const std::string& secret_file_key) {
    std::string where = secret_file_key.empty() ? "a *_file key" : "\"" + secret_file_key + "\"";
    Fail(key_path,
         "secrets must not be written in the config; put the secret in its own file, "
         "name that file with " +
             where + " and under systemd pass it with LoadCredential=");
  }

  Result<Config> Finish(Config config) {
    if (errors_.empty()) return config;
    std::string message;
    for (const auto& e : errors_) message += (message.empty() ? "" : "\n") + e;
    return Error{message};
  }

  // Reports keys that are not allowed at this level. `secret_file_key` names
  // where an inline secret should go instead ("" when no secret belongs here).
  void CheckKeys(const json& obj, const std::string& path, const std::vector<std::string>& allowed,
                 const std::string& secret_file_key) {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string key_path = Join(path, key);
      if (IsInlineSecretKey(key)) {
        // A channel with several secrets points at the matching *_file key.
        bool has_file_key =
            std::find(allowed.begin(), allowed.end(), key + "_file") != allowed.end();
        FailInlineSecret(key_path, has_file_key ? key + "_file" : secret_file_key);
        continue;
      }
      std::string message = "unknown key; allowed here: " + ListWords(allowed);
      for (const auto& candidate : allowed) {
        if (EditDistance(key, candidate) <= 2) {
          message += " (did you mean \"" + candidate + "\"?)";
          break;
        }
      }
      Fail(key_path, message);
    }
  }

  const json* Find(const json& obj, const std::string& key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  std::optional<std::string> String(const json& obj, const std::string& key,
                                    const std::string& path, const std::string& expected) {
    const json* v = Find(obj, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      Fail(Join(path, key), "expected a string: " + expected);
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // A required non-empty string.
  std::string RequiredString(const json& obj, const std::string& key, const std::string& path,
                             const std::string& expected) {
    if (Find(obj, key) == nullptr) {
      Fail(Join(path, key), "missing; expected " + expected);
      return "";
    }
    auto s = String(obj, key, path, expected);
    if (s && s->empty()) Fail(Join(path, key), "must not be empty; expected " + expected);
    return s.value_or("");
  }

  fs::path Resolve(const std::string& text) const {
    fs::path p(text);
    return (p.is_absolute() ? p : config_dir_ / p).lexically_normal();
  }

  fs::path Folder(const json& obj, const std::string& key, const std::string& path,
                  const std::string& fallback) {
    auto s = String(obj, key, path, "a folder path");
    if (s && s->empty()) Fail(Join(path, key), "must not be empty; expected a folder path");
    return Resolve(s && !s->empty() ? *s : fallback);
  }

  void Duration(const json& obj, const std::string& key, const std::string& path, bool allow_zero,
                Millis* out) {
    const json* v = Find(obj, key);
    if (v == nullptr) return;
    std::string key_path = Join(path, key);
    if (!v->is_string()) {
      Fail(key_path, "expected a duration string like \"10m\"");
      return;
    }
    auto parsed = ParseDuration(v->get<std::string>());
    if (!parsed.ok()) {
      Fail(key_path, parsed.error());
    } else if (!allow_zero && parsed->count() == 0) {
      Fail(key_path, "must be longer than zero");
    } else {
      *out = *parsed;
    }
  }

  std::optional<bool> Bool(const json& obj, const std::string& key, const std::string& path) {
    const json* v = Find(obj, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) {
      Fail(Join(path, key), "expected true or false");
      return std::nullopt;
    }
    return v->get<bool>();
  }

  void ReadChannels(const json& root, Config* config) {
    const json* channels = Find(root, "channels");
    if (channels == nullptr) {
      Fail("channels", "missing; at least one channel is required");
      return;
    }
    if (!channels->is_object()) {
      Fail("channels", "expected an object of channel name -> { \"type\": ... }");
      return;
    }
    if (channels->empty()) {
      Fail("channels", "at least one channel is required");
      return;
    }
    for (const auto& [name, body] : channels->items()) {
      std::string path = "channels." + name;
      if (!IsValidChannelName(name)) {
        Fail(path,
             "a channel name must start with a lower-case letter or digit and hold only "
             "a-z, 0-9, '-' and '_' (at most 64 characters)");
      }
      if (!body.is_object()) {
        Fail(path, "expected an object { \"type\": \"" + ListWords(kChannelTypes, "\" | \"") +
                       "\", ... }");
        continue;
      }
      if (auto channel = ReadChannel(name, body, path))
        config->channels[name] = std::move(*channel);
    }
    CheckFileFolders(*config);
  }

  static bool IsValidChannelName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_or_digit(name[0])) return false;
    return std::all_of(name.begin(), name.end(),
                       [&](char c) { return lower_or_digit(c) || c == '-' || c == '_'; });
  }

  std::optional<ChannelConfig> ReadChannel(const std::string& name, const json& body,
                                           const std::string& path) {
    size_t errors_before = errors_.size();
    ChannelConfig channel;
    channel.name = name;
    const std::string type_help = "one of " + ListWords(kChannelTypes);
    std::optional<std::string> type;
    if (Find(body, "type") == nullptr) {
      Fail(path + ".type", "missing; expected " + type_help);
    } else if ((type = String(body, "type", path, type_help)) &&
               std::find(kChannelTypes.begin(), kChannelTypes.end(), *type) ==
                   kChannelTypes.end()) {
      Fail(path + ".type", "unknown channel type \"" + *type + "\"; expected " + type_help);
      type.reset();
    }

    if (auto window = String(body, "window", path, "a daily window like \"06:00-22:00\"")) {
      auto parsed = ParseDailyWindow(*window);
      if (parsed.ok()) {
        channel.window = *parsed;
      } else {
        Fail(path + ".window", parsed.error());
      }
    }
    Duration(body, "min_interval", path, /*allow_zero=*/true, &channel.min_interval);
    ReadRetry(body, path, &channel.retry);

    if (!type) {
      // Without a known type the type-specific keys cannot be judged; still
      // refuse secrets written inline.
      for (const auto& [key, value] : body.items()) {
        if (IsInlineSecretKey(key)) FailInlineSecret(Join(path, key), "");
      }
      return std::nullopt;
    }
    channel.type = *type;
    if (*type == "file") {
      CheckKeys(body, path, Concat(kChannelCommonKeys, kFileKeys), "");
      FileSettings file;
      std::string dir = RequiredString(body, "dir", path, "a folder path");
      if (!dir.empty()) file.dir = Resolve(dir);
      channel.settings = file;
    } else if (*type == "wordpress") {
      CheckKeys(body, path, Concat(kChannelCommonKeys, kWordPressKeys), "app_password_file");
      channel.settings = ReadWordPress(body, path);
    } else if (*type == "webhook") {
      CheckKeys(body, path, Concat(kChannelCommonKeys, kWebhookKeys), "secret_file");
      channel.settings = ReadWebhook(body, path);
    } else if (*type == "facebook") {
      CheckKeys(body, path, Concat(kChannelCommonKeys, kFacebookKeys), "page_token_file");
      channel.settings = ReadFacebook(body, path);
    } else {
      CheckKeys(body, path, Concat(kChannelCommonKeys, kZaloKeys), "secret_key_file");
      channel.settings = ReadZalo(body, path);
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return channel;
  }

  static std::vector<std::string> Concat(const std::vector<std::string>& a,
                                         const std::vector<std::string>& b) {
    std::vector<std::string> out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
  }

  void ReadRetry(const json& body, const std::string& channel_path, RetryPolicy* retry) {
    const json* v = Find(body, "retry");
    if (v == nullptr) return;
    std::string path = channel_path + ".retry";
    if (!v->is_object()) {
      Fail(path,
           "expected an object like {\"initial\": \"30s\", \"factor\": 2, "
           "\"max_delay\": \"1h\", \"max_attempts\": 10}");
      return;
    }
    CheckKeys(*v, path, kRetryKeys, "");
    Duration(*v, "initial", path, /*allow_zero=*/false, &retry->initial);
    Duration(*v, "max_delay", path, /*allow_zero=*/false, &retry->max_delay);
    if (const json* f = Find(*v, "factor")) {
      if (!f->is_number() || f->get<double>() < 1.0 || f->get<double>() > 100.0) {
        Fail(path + ".factor", "expected a number from 1 to 100 (2 doubles each delay)");
      } else {
        retry->factor = f->get<double>();
      }
    }
    if (const json* n = Find(*v, "max_attempts")) {
      if (!n->is_number_integer() || n->get<int64_t>() < 1 || n->get<int64_t>() > 1000) {
        Fail(path + ".max_attempts",
             "expected a whole number from 1 to 1000 (it counts every try, the first included)");
      } else {
        retry->max_attempts = static_cast<int>(n->get<int64_t>());
      }
    }
    if (retry->max_delay < retry->initial) {
      Fail(path + ".max_delay",
           "must not be shorter than retry.initial (" + FormatDuration(retry->initial) + ")");
    }
  }

  HttpSettings ReadHttp(const json& body, const std::string& path) {
    HttpSettings http;
    if (auto ca = String(body, "ca_file", path, "a path to a PEM CA bundle")) {
      if (ca->empty()) {
        Fail(path + ".ca_file", "must not be empty; leave it out to use the system CA store");
      } else {
        http.ca_file = Resolve(*ca);
      }
    }
    http.allow_insecure_http = Bool(body, "allow_insecure_http", path).value_or(false);
    Duration(body, "timeout", path, /*allow_zero=*/false, &http.timeout);
    return http;
  }

  std::string Url(const json& body, const std::string& key, const std::string& path,
                  const HttpSettings& http, bool site_root) {
    std::string url = RequiredString(body, key, path, "an https:// URL");
    if (url.empty()) return url;
    std::string problem = UrlProblem(url, http.allow_insecure_http, site_root);
    if (!problem.empty()) Fail(Join(path, key), problem);
    return url;
  }

  WordPressSettings ReadWordPress(const json& body, const std::string& path) {
    WordPressSettings wp;
    wp.http = ReadHttp(body, path);
    wp.base_url = Url(body, "base_url", path, wp.http, /*site_root=*/true);
    while (wp.base_url.ends_with('/')) wp.base_url.pop_back();
    wp.username = RequiredString(body, "username", path, "the WordPress user name");
    wp.app_password_file = RequiredString(
        body, "app_password_file", path,
        "the name of the file holding the Application Password (a systemd credential name)");
    if (const json* cats = Find(body, "categories")) {
      if (!cats->is_object()) {
        Fail(path + ".categories",
             "expected an object of topic -> category id, like "
             "{\"kiem-soat-tthc\": 12}");
      } else {
        for (const auto& [topic, id] : cats->items()) {
          if (id.is_number_integer() && id.get<int64_t>() > 0) {
            wp.categories[topic] = id.get<int64_t>();
          } else {
            Fail(path + ".categories." + topic, "expected a positive whole number (category id)");
          }
        }
      }
    }
    return wp;
  }

  WebhookSettings ReadWebhook(const json& body, const std::string& path) {
    WebhookSettings hook;
    hook.http = ReadHttp(body, path);
    hook.url = Url(body, "url", path, hook.http, /*site_root=*/false);
    hook.secret_file =
        RequiredString(body, "secret_file", path,
                       "the name of the file holding the HMAC secret (a systemd credential name)");
    return hook;
  }

  // An API base URL such as "https://graph.facebook.com/v21.0": the
  // connector appends paths to it, so no ?query and no trailing '/'.
  void BaseUrl(const json& body, const std::string& key, const std::string& path,
               const HttpSettings& http, std::string* url) {
    auto text = String(body, key, path, "an https:// URL");
    if (!text) return;
    std::string problem = text->empty() ? "must not be empty; leave it out for the default"
                                        : UrlProblem(*text, http.allow_insecure_http, false);
    if (problem.empty() && text->find('?') != std::string::npos) {
      problem = "must be a base URL without ?query";
    }
    if (!problem.empty()) {
      Fail(Join(path, key), problem);
      return;
    }
    *url = *text;
    while (url->ends_with('/')) url->pop_back();
  }

  FacebookSettings ReadFacebook(const json& body, const std::string& path) {
    FacebookSettings fb;
    fb.http = ReadHttp(body, path);
    fb.page_id = RequiredString(body, "page_id", path,
                                "the numeric Page ID (Page > About > Page transparency)");
    if (!fb.page_id.empty() && !std::all_of(fb.page_id.begin(), fb.page_id.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
      Fail(path + ".page_id", "must be the numeric Page ID (digits only), not the Page's name");
    }
    BaseUrl(body, "graph_base_url", path, fb.http, &fb.graph_base_url);
    fb.page_token_file = RequiredString(
        body, "page_token_file", path,
        "the name of the file holding the Page access token (a systemd credential name)");
    if (auto secret =
            String(body, "app_secret_file", path, "the name of the file holding the app secret")) {
      if (secret->empty()) {
        Fail(path + ".app_secret_file",
             "must not be empty; leave it out when the app does not require appsecret_proof");
      }
      fb.app_secret_file = *secret;
    }
    return fb;
  }

  ZaloSettings ReadZalo(const json& body, const std::string& path) {
    ZaloSettings zalo;
    zalo.http = ReadHttp(body, path);
    zalo.app_id = RequiredString(body, "app_id", path, "the Zalo app ID");
    zalo.secret_key_file = RequiredString(
        body, "secret_key_file", path,
        "the name of the file holding the app's secret key (a systemd credential name)");
    zalo.refresh_token_file = RequiredString(
        body, "refresh_token_file", path,
        "the name of the file holding the first refresh token (a systemd credential name)");
    BaseUrl(body, "api_base_url", path, zalo.http, &zalo.api_base_url);
    BaseUrl(body, "oauth_base_url", path, zalo.http, &zalo.oauth_base_url);
    zalo.author = RequiredString(body, "author", path, "the article author shown by Zalo");
    if (CountChars(zalo.author) > kMaxZaloAuthorChars) {
      Fail(path + ".author", "must be at most " + std::to_string(kMaxZaloAuthorChars) +
                                 " characters (Zalo's limit); it has " +
                                 std::to_string(CountChars(zalo.author)));
    }
    zalo.cover_url =
        RequiredString(body, "cover_url", path, "the https:// URL of the default cover image");
    if (!zalo.cover_url.empty()) {
      // Zalo's servers fetch it, so it must be public: https only, whatever
      // allow_insecure_http says about loa's own requests.
      std::string problem = Lower(zalo.cover_url).starts_with("https://")
                                ? UrlProblem(zalo.cover_url, /*allow_insecure_http=*/false, false)
                                : "must be a public https:// URL (Zalo fetches it)";
      if (!problem.empty()) Fail(path + ".cover_url", problem);
    }
    BaseUrl(body, "media_base_url", path, zalo.http, &zalo.media_base_url);
    return zalo;
  }

  // Two file channels in one folder would overwrite each other's output; a
  // file channel inside the inbox would feed its output back in as new items.
  void CheckFileFolders(const Config& config) {
    std::map<fs::path, std::string> owners;
    for (const auto& [name, channel] : config.channels) {
      const auto* file = std::get_if<FileSettings>(&channel.settings);
      if (file == nullptr || file->dir.empty()) continue;
      std::string path = "channels." + name + ".dir";
      auto [it, inserted] = owners.emplace(file->dir, name);
      if (!inserted) {
        Fail(path,
             "same folder as channels." + it->second + ".dir; each file channel needs its own");
      }
      if (IsSameOrInside(file->dir, config.inbox)) {
        Fail(path, "must not be inside the inbox folder (its output would be read as new items)");
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

Result<Config> ParseConfig(const std::string& text, const fs::path& config_dir) {
  std::vector<std::string> duplicate_errors;
  json root;
  try {
    root = json::parse(text, DuplicateKeyFinder(&duplicate_errors), /*allow_exceptions=*/true,
                       /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    return Error{"config: not valid JSON (comments allowed): " + DescribeParseError(e)};
  } catch (const json::out_of_range&) {
    // nlohmann's message quotes the number; say what is wrong without it.
    return Error{"config: a number is out of range (at most about 1.8e308)"};
  } catch (const json::exception&) {
    return Error{"config: not valid JSON (comments allowed)"};
  } catch (const TooDeep&) {
    return Error{"config: objects and arrays nested more than " + std::to_string(kMaxConfigDepth) +
                 " levels deep (a config needs 4)"};
  }
  return ConfigReader(AbsoluteDir(config_dir), std::move(duplicate_errors)).Read(root);
}

Result<Config> LoadConfig(const fs::path& config_file) {
  fs::path file = AbsoluteDir(config_file);
  auto text = ReadFile(file, kMaxConfigBytes);
  if (!text.ok()) return Error{"cannot load config: " + text.error()};
  auto config = ParseConfig(*text, file.parent_path());
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
  // Item times written without an offset are read in this zone (Vietnam, no DST).
  "timezone": "+07:00",

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
  }
}
)";
}

Config DefaultConfig(const fs::path& root) {
  auto config = ParseConfig(DefaultConfigText(), root);
  if (!config.ok()) {
    // The text is part of the binary and covered by tests; failing here is a
    // build defect, not something an operator can fix.
    std::fprintf(stderr, "loa: the embedded default config is invalid:\n%s\n",
                 config.error().c_str());
    std::abort();
  }
  return std::move(config).value();
}

}  // namespace loa
