#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "base/fs.h"
#include "config/config.h"
#include "config/secrets.h"
#include "connectors/facebook/facebook_settings.h"
#include "connectors/file/file_settings.h"
#include "connectors/registry.h"
#include "connectors/webhook/webhook_settings.h"
#include "connectors/wordpress/wordpress_settings.h"
#include "connectors/zalo/zalo_settings.h"

namespace loa {
namespace {

using namespace std::chrono;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A fresh folder under /tmp per test, removed afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::path("/tmp") / ("loa-config-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Config ParseOk(const std::string& text) {
    auto config = ParseConfig(text, dir_);
    EXPECT_TRUE(config.ok()) << config.error();
    return config.ok() ? std::move(config).value() : Config{};
  }

  std::string ParseError(const std::string& text) {
    auto config = ParseConfig(text, dir_);
    EXPECT_FALSE(config.ok()) << "expected an error for:\n" << text;
    return config.ok() ? "" : config.error();
  }

  // Private to the owner, as config/secrets.cc requires of secret files.
  void Write(const fs::path& path, const std::string& data) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << data;
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  }

  fs::path dir_;
};

// Sets or clears an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// For checks where the order of the reported problems does not matter.
std::multiset<std::string> LineSet(const std::string& text) {
  auto lines = Lines(text);
  return {lines.begin(), lines.end()};
}

// A config with one valid file channel plus `extra` top-level keys.
std::string WithFileChannel(const std::string& extra = "") {
  return "{" + extra + R"( "channels": {"out": {"type": "file", "dir": "outbox"}}})";
}

// A config whose only channel is `channel` (an object's text).
std::string WithChannel(const std::string& channel) {
  return R"({"channels": {"x": )" + channel + "}}";
}

TEST_F(ConfigTest, DefaultsFillEverythingLeftOut) {
  Config c = ParseOk(WithFileChannel());
  EXPECT_EQ(c.config_dir, dir_);
  EXPECT_EQ(c.timezone, hours(7));  // Viet Nam: +07:00 all year, no daylight saving
  EXPECT_EQ(c.state_dir, dir_ / "var/state");
  EXPECT_EQ(c.inbox, dir_ / "var/inbox");
  EXPECT_EQ(c.log_dir, dir_ / "var/log");
  EXPECT_EQ(c.max_lateness, hours(24 * 7));
  EXPECT_EQ(c.rescan_interval, seconds(30));
  EXPECT_EQ(c.settle_time, seconds(1));
  EXPECT_EQ(c.shutdown_timeout, seconds(30));
  EXPECT_EQ(c.DatabasePath(), dir_ / "var/state/loa.db");
  EXPECT_EQ(c.DeliveryLogPath(), dir_ / "var/log/deliveries.jsonl");
  ASSERT_EQ(c.channels.size(), 1u);
  const ChannelConfig& out = c.channels.at("out");
  EXPECT_EQ(out.name, "out");
  EXPECT_EQ(out.type, "file");
  EXPECT_EQ(out.Settings<FileSettings>().dir, dir_ / "outbox");
  EXPECT_FALSE(out.window.has_value());
  EXPECT_EQ(out.min_interval, Millis(0));
  EXPECT_EQ(out.retry.initial, seconds(30));
  EXPECT_EQ(out.retry.factor, 2.0);
  EXPECT_EQ(out.retry.max_delay, hours(1));
  EXPECT_EQ(out.retry.max_attempts, 10);
}

TEST_F(ConfigTest, ParsesEveryKey) {
  Config c = ParseOk(R"(
    // Comments of both kinds are allowed.
    {
      "timezone": "-03:30",
      "state_dir": "/srv/state",
      "inbox": "in",
      "log_dir": "logs/loa",
      "max_lateness": "2d",
      "rescan_interval": "45s",
      "settle_time": "500ms",
      "shutdown_timeout": "1m",
      "channels": {
        "files": {"type": "file", "dir": "/srv/out", "window": "22:00-06:00",
                  "min_interval": "10m",
                  "retry": {"initial": "5s", "factor": 1.5, "max_delay": "2h", "max_attempts": 4}},
        "wp": {
          "type": "wordpress",
          "base_url": "https://example.gov.vn/site/",  /* trailing slash dropped */
          "username": "bot",
          "app_password_file": "wp-pass",
          "categories": {"mot-cua": 12, "de-an-06": 7},
          "ca_file": "ca.pem",
          "allow_insecure_http": false,
          "timeout": "10s"
        },
        "hook": {"type": "webhook", "url": "http://hooks.internal:8080/in?a=1",
                 "secret_file": "/etc/loa/hook-secret", "allow_insecure_http": true,
                 "timeout": "5s", "ca_file": "/etc/ssl/ca.pem"}
      }
    })");
  EXPECT_EQ(c.timezone, -(hours(3) + minutes(30)));
  EXPECT_EQ(c.state_dir, fs::path("/srv/state"));
  EXPECT_EQ(c.inbox, dir_ / "in");
  EXPECT_EQ(c.log_dir, dir_ / "logs/loa");
  EXPECT_EQ(c.max_lateness, hours(48));
  EXPECT_EQ(c.rescan_interval, seconds(45));
  EXPECT_EQ(c.settle_time, milliseconds(500));
  EXPECT_EQ(c.shutdown_timeout, minutes(1));
  EXPECT_THAT(c.ChannelNames(), ElementsAre("files", "hook", "wp"));

  const ChannelConfig& files = c.channels.at("files");
  EXPECT_EQ(files.Settings<FileSettings>().dir, fs::path("/srv/out"));
  ASSERT_TRUE(files.window.has_value());
  EXPECT_EQ(files.window->start, hours(22));
  EXPECT_EQ(files.window->end, hours(6));
  EXPECT_EQ(files.min_interval, minutes(10));
  EXPECT_EQ(files.retry.initial, seconds(5));
  EXPECT_EQ(files.retry.factor, 1.5);
  EXPECT_EQ(files.retry.max_delay, hours(2));
  EXPECT_EQ(files.retry.max_attempts, 4);

  const ChannelConfig& wp = c.channels.at("wp");
  EXPECT_EQ(wp.type, "wordpress");
  const auto& w = wp.Settings<WordPressSettings>();
  EXPECT_EQ(w.base_url, "https://example.gov.vn/site");
  EXPECT_EQ(w.username, "bot");
  EXPECT_EQ(w.app_password_file, "wp-pass");
  EXPECT_EQ(w.categories, (std::map<std::string, int64_t>{{"de-an-06", 7}, {"mot-cua", 12}}));
  EXPECT_EQ(w.http.ca_file, dir_ / "ca.pem");
  EXPECT_FALSE(w.http.allow_insecure_http);
  EXPECT_EQ(w.http.timeout, seconds(10));

  const ChannelConfig& hook = c.channels.at("hook");
  EXPECT_EQ(hook.type, "webhook");
  const auto& h = hook.Settings<WebhookSettings>();
  EXPECT_EQ(h.url, "http://hooks.internal:8080/in?a=1");
  EXPECT_EQ(h.secret_file, "/etc/loa/hook-secret");
  EXPECT_TRUE(h.http.allow_insecure_http);
  EXPECT_EQ(h.http.timeout, seconds(5));
  EXPECT_EQ(h.http.ca_file, fs::path("/etc/ssl/ca.pem"));
}

TEST_F(ConfigTest, HttpSettingsDefaults) {
  Config c = ParseOk(
      WithChannel(R"({"type": "webhook", "url": "https://h.example/x", "secret_file": "s"})"));
  const auto& h = c.channels.at("x").Settings<WebhookSettings>();
  EXPECT_FALSE(h.http.ca_file.has_value());
  EXPECT_FALSE(h.http.allow_insecure_http);
  EXPECT_EQ(h.http.timeout, seconds(30));
  Config wp = ParseOk(WithChannel(
      R"({"type": "wordpress", "base_url": "https://h.example", "username": "u",
          "app_password_file": "p"})"));
  EXPECT_TRUE(wp.channels.at("x").Settings<WordPressSettings>().categories.empty());
}

TEST_F(ConfigTest, ConcurrencyDefaultsByTypeAndIsBounded) {
  Config c = ParseOk(
      WithChannel(R"({"type": "webhook", "url": "https://h.example/x", "secret_file": "s"})"));
  EXPECT_EQ(c.channels.at("x").concurrency, 8);
  EXPECT_EQ(ParseOk(WithFileChannel()).channels.at("out").concurrency, 4);
  Config wp = ParseOk(WithChannel(
      R"({"type": "wordpress", "base_url": "https://h.example", "username": "u",
          "app_password_file": "p", "concurrency": 16})"));
  EXPECT_EQ(wp.channels.at("x").concurrency, 16);
  for (const char* bad : {"0", "65", "2.5", "\"4\"", "-1"}) {
    EXPECT_EQ(ParseError(WithChannel(
                  std::string(R"({"type": "file", "dir": "o", "concurrency": )") + bad + "}")),
              "channels.x.concurrency: expected a whole number from 1 to 64 (calls under way at "
              "once on the channel)")
        << bad;
  }
}

TEST_F(ConfigTest, RelativePathsResolveAgainstConfigDir) {
  Config c = ParseOk(R"({"state_dir": "./s", "inbox": "../shared/inbox", "log_dir": "/var/log/loa",
    "channels": {"a": {"type": "file", "dir": "out/a/"},
                 "b": {"type": "webhook", "url": "https://x.example", "secret_file": "k",
                       "ca_file": "certs/../ca.pem"}}})");
  EXPECT_EQ(c.state_dir, dir_ / "s");
  EXPECT_EQ(c.inbox, dir_.parent_path() / "shared/inbox");
  EXPECT_EQ(c.log_dir, fs::path("/var/log/loa"));
  EXPECT_EQ(c.channels.at("a").Settings<FileSettings>().dir, dir_ / "out/a/");
  EXPECT_EQ(c.channels.at("b").Settings<WebhookSettings>().http.ca_file, dir_ / "ca.pem");
  // Recorded for the start-up checks (daemon/startup_checks.h), which see
  // that the service can read it.
  using ReadFiles = std::vector<std::pair<std::string, fs::path>>;
  EXPECT_EQ(c.channels.at("b").read_files, (ReadFiles{{"ca_file", dir_ / "ca.pem"}}));
  EXPECT_TRUE(c.channels.at("a").read_files.empty());
}

TEST_F(ConfigTest, RelativeConfigDirBecomesAbsolute) {
  auto c = ParseConfig(WithFileChannel(), "etc/loa");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_TRUE(c->config_dir.is_absolute());
  EXPECT_EQ(c->config_dir, fs::current_path() / "etc/loa");
  EXPECT_EQ(c->state_dir, fs::current_path() / "etc/loa/var/state");
}

TEST_F(ConfigTest, BadTimezone) {
  EXPECT_EQ(ParseError(WithFileChannel(R"("timezone": "+7",)")),
            "timezone: '+7' is not a UTC offset like +07:00");
  EXPECT_EQ(ParseError(WithFileChannel(R"("timezone": 7,)")),
            "timezone: expected a string: an IANA zone like \"Asia/Ho_Chi_Minh\" or a UTC offset "
            "like \"+07:00\"");
}

TEST_F(ConfigTest, BadDurations) {
  std::string error = ParseError(R"({
    "max_lateness": "soon", "rescan_interval": 30, "settle_time": "1 s",
    "shutdown_timeout": "0s",
    "channels": {"x": {"type": "file", "dir": "o", "min_interval": 600,
                       "retry": {"initial": "0s", "max_delay": "forever"}}}})");
  EXPECT_EQ(LineSet(error),
            std::multiset<std::string>(
                {"max_lateness: 'soon' is not a duration like 30s, 10m, 1h or 7d",
                 "rescan_interval: expected a duration string like \"10m\"",
                 "settle_time: '1 s' is not a duration like 30s, 10m, 1h or 7d",
                 "shutdown_timeout: must be longer than zero",
                 "channels.x.min_interval: expected a duration string like \"10m\"",
                 "channels.x.retry.initial: must be longer than zero",
                 "channels.x.retry.max_delay: 'forever' is not a duration like 30s, 10m, 1h or "
                 "7d"}));
}

TEST_F(ConfigTest, ZeroIsFineWhereItMeansNone) {
  Config c = ParseOk(R"({"settle_time": "0s",
    "channels": {"x": {"type": "file", "dir": "o", "min_interval": "0s"}}})");
  EXPECT_EQ(c.settle_time, Millis(0));
  EXPECT_EQ(c.channels.at("x").min_interval, Millis(0));
}

TEST_F(ConfigTest, BadWindow) {
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file", "dir": "o", "window": "6-22"})")),
            "channels.x.window: '6-22' is not a window like 06:00-22:00");
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file", "dir": "o", "window": ["06:00"]})")),
            "channels.x.window: expected a string: a daily window like \"06:00-22:00\"");
}

TEST_F(ConfigTest, BadRetry) {
  std::string error = ParseError(WithChannel(R"({"type": "file", "dir": "o",
      "retry": {"initial": "2h", "max_delay": "1h", "factor": 0.5, "max_attempts": 0,
                "intial": "1s"}})"));
  EXPECT_EQ(LineSet(error),
            std::multiset<std::string>(
                {"channels.x.retry.intial: unknown key; allowed here: initial, factor, "
                 "max_delay, max_attempts (did you mean \"initial\"?)",
                 "channels.x.retry.factor: expected a number from 1 to 100 (2 doubles each "
                 "delay)",
                 "channels.x.retry.max_attempts: expected a whole number from 1 to 1000 (it "
                 "counts every try, the first included)",
                 "channels.x.retry.max_delay: must not be shorter than retry.initial (2h)"}));
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file", "dir": "o", "retry": 3})")),
            "channels.x.retry: expected an object like {\"initial\": \"30s\", \"factor\": 2, "
            "\"max_delay\": \"1h\", \"max_attempts\": 10}");
  EXPECT_EQ(
      ParseError(WithChannel(R"({"type": "file", "dir": "o", "retry": {"max_attempts": 2.5}})")),
      "channels.x.retry.max_attempts: expected a whole number from 1 to 1000 (it counts "
      "every try, the first included)");
}

TEST_F(ConfigTest, ChannelType) {
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "twitter", "dir": "o"})")),
            "channels.x.type: unknown channel type \"twitter\"; expected one of file, "
            "wordpress, webhook, facebook, zalo");
  EXPECT_EQ(ParseError(WithChannel(R"({"dir": "o"})")),
            "channels.x.type: missing; expected one of file, wordpress, webhook, facebook, zalo");
  EXPECT_EQ(ParseError(WithChannel(R"("file")")),
            "channels.x: expected an object { \"type\": \"file\" | \"wordpress\" | \"webhook\" "
            "| \"facebook\" | \"zalo\", ... }");
}

TEST_F(ConfigTest, MissingRequiredKeysPerType) {
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file"})")),
            "channels.x.dir: missing; expected a folder path");
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file", "dir": ""})")),
            "channels.x.dir: must not be empty; expected a folder path");
  EXPECT_THAT(
      Lines(ParseError(WithChannel(R"({"type": "wordpress"})"))),
      ElementsAre("channels.x.base_url: missing; expected an https:// URL",
                  "channels.x.username: missing; expected the WordPress user name",
                  "channels.x.app_password_file: missing; expected the name of the file holding "
                  "the Application Password (a systemd credential name)"));
  EXPECT_THAT(Lines(ParseError(WithChannel(R"({"type": "webhook"})"))),
              ElementsAre("channels.x.url: missing; expected an https:// URL",
                          "channels.x.secret_file: missing; expected the name of the file "
                          "holding the HMAC secret (a systemd credential name)"));
}

TEST_F(ConfigTest, KeysOfAnotherTypeAreUnknown) {
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "file", "dir": "o", "url": "https://a.example"})")),
            "channels.x.url: unknown key; allowed here: type, window, min_interval, concurrency, "
            "retry, dir");
}

std::string Hook(const std::string& url, const std::string& extra = "") {
  return WithChannel(R"({"type": "webhook", "secret_file": "s", "url": ")" + url + "\"" + extra +
                     "}");
}

TEST_F(ConfigTest, PlainHttpOnlyToLoopbackOrWithOptIn) {
  const std::string refused =
      "channels.x.url: must be an https:// URL (plain http:// only to loopback or with "
      "allow_insecure_http)";
  EXPECT_EQ(ParseError(Hook("http://cms.example.gov.vn/hook")), refused);
  EXPECT_EQ(ParseError(Hook("http://10.0.0.5:8080/hook")), refused);
  EXPECT_EQ(ParseError(Hook("ftp://cms.example.gov.vn/hook")), refused);
  EXPECT_EQ(ParseError(Hook("cms.example.gov.vn/hook")), refused);
  EXPECT_EQ(ParseError(Hook("http://cms.example/hook", R"(, "allow_insecure_http": false)")),
            refused);
  ParseOk(Hook("http://cms.example.gov.vn/hook", R"(, "allow_insecure_http": true)"));
  for (const char* ok :
       {"https://cms.example.gov.vn/hook", "HTTPS://CMS.example:8443/",
        "http://127.0.0.1:9000/hook", "http://127.8.9.10/", "http://localhost/x",
        "http://LOCALHOST:80", "http://[::1]:8080/hook", "http://api.localhost/"}) {
    ParseOk(Hook(ok));
  }
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "wordpress", "base_url": "http://wp.example.gov.vn",
      "username": "u", "app_password_file": "p"})")),
            "channels.x.base_url: must be an https:// URL (plain http:// only to loopback or with "
            "allow_insecure_http)");
  EXPECT_EQ(ParseError(Hook("https://cms.example", R"(, "allow_insecure_http": "yes")")),
            "channels.x.allow_insecure_http: expected true or false");
}

TEST_F(ConfigTest, MalformedUrls) {
  EXPECT_EQ(ParseError(Hook("https://user:pw-in-url@cms.example/hook")),
            "channels.x.url: must not contain user:password@ (secrets belong in a *_file key)");
  EXPECT_EQ(ParseError(Hook("https:///hook")), "channels.x.url: has no host");
  EXPECT_EQ(ParseError(Hook("https://cms.example:99999/")),
            "channels.x.url: has a port outside 1-65535");
  EXPECT_EQ(ParseError(Hook("https://cms.example/a b")),
            "channels.x.url: must not contain spaces or control characters");
  EXPECT_EQ(ParseError(Hook("https://cms.example/a#top")),
            "channels.x.url: must not contain a #fragment");
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "wordpress", "base_url": "https://wp.example/?p=1",
      "username": "u", "app_password_file": "p"})")),
            "channels.x.base_url: must be the site root, without ?query or #fragment");
  EXPECT_EQ(ParseError(Hook("")), "channels.x.url: must not be empty; expected an https:// URL");
}

TEST_F(ConfigTest, InlineSecretsAreRefused) {
  const std::string secret = "hunter2-very-secret-value";
  std::string error = ParseError(R"({"token": ")" + secret + R"(", "channels": {
      "wp": {"type": "wordpress", "base_url": "https://wp.example", "username": "u",
             "app_password": ")" +
                                 secret + R"("},
      "hook": {"type": "webhook", "url": "https://h.example", "secret": ")" +
                                 secret + R"("},
      "odd": {"type": "nonsense", "password": ")" +
                                 secret + R"("}}})");
  EXPECT_THAT(error, Not(HasSubstr(secret)));
  const std::vector<std::string> expected = {
      "token: secrets must not be written in the config; put the secret in its own file, "
      "name that file with a *_file key and under systemd pass it with LoadCredential=",
      "channels.wp.app_password: secrets must not be written in the config; put the secret "
      "in its own file, name that file with \"app_password_file\" and under systemd pass it "
      "with LoadCredential=",
      "channels.hook.secret: secrets must not be written in the config; put the secret in "
      "its own file, name that file with \"secret_file\" and under systemd pass it with "
      "LoadCredential=",
      "channels.odd.password: secrets must not be written in the config; put the secret in "
      "its own file, name that file with a *_file key and under systemd pass it with "
      "LoadCredential="};
  std::vector<std::string> lines = Lines(error);
  for (const auto& line : expected) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end()) << line << "\nin:\n"
                                                                        << error;
  }
}

TEST_F(ConfigTest, UnknownKeysAtEveryLevel) {
  std::string error = ParseError(R"({"timezon": "+07:00", "colour": "red",
      "channels": {"p": {"type": "wordpress", "base_ur": "https://wp.example",
                         "username": "u", "app_password_file": "f"}}})");
  EXPECT_EQ(
      LineSet(error),
      std::multiset<std::string>(
          {"colour: unknown key; allowed here: timezone, state_dir, inbox, log_dir, max_lateness, "
           "rescan_interval, settle_time, shutdown_timeout, channels, control, alerts, labels, "
           "status_page",
           "timezon: unknown key; allowed here: timezone, state_dir, inbox, log_dir, "
           "max_lateness, rescan_interval, settle_time, shutdown_timeout, channels, control, "
           "alerts, labels, status_page (did you mean \"timezone\"?)",
           "channels.p.base_ur: unknown key; allowed here: type, window, min_interval, "
           "concurrency, retry, "
           "base_url, username, app_password_file, categories, ca_file, allow_insecure_http, "
           "timeout (did you mean \"base_url\"?)",
           "channels.p.base_url: missing; expected an https:// URL"}));
}

TEST_F(ConfigTest, CollectsEveryError) {
  std::string error = ParseError(R"({
    "timezone": "ICT",
    "state_dir": 5,
    "channels": {
      "Portal": {"type": "file", "dir": "o"},
      "cchc": {"type": "webhook", "url": "http://cms.example", "secret_file": "s",
               "timeout": "fast"},
      "zalo": {"type": "file", "dir": "z", "window": "all day"}
    }})");
  EXPECT_EQ(
      LineSet(error),
      std::multiset<std::string>(
          {"timezone: 'ICT' is not a zone of the system's tz database (package tzdata), like "
           "Asia/Ho_Chi_Minh, nor a UTC offset like +07:00",
           "state_dir: expected a string: a folder path",
           "channels.Portal: a channel name must start with a lower-case letter or digit and hold "
           "only a-z, 0-9, '-' and '_' (at most 64 characters)",
           "channels.cchc.timeout: 'fast' is not a duration like 30s, 10m, 1h or 7d",
           "channels.cchc.url: must be an https:// URL (plain http:// only to loopback or with "
           "allow_insecure_http)",
           "channels.zalo.window: 'all day' is not a window like 06:00-22:00"}));
}

TEST_F(ConfigTest, ChannelNames) {
  for (const char* bad : {"Portal", "-portal", "_x", "por tal", "cổng", "a.b"}) {
    std::string error = ParseError(R"({"channels": {")" + std::string(bad) +
                                   R"(": {"type": "file", "dir": "o"}}})");
    EXPECT_THAT(error, HasSubstr(std::string("channels.") + bad + ": a channel name must"));
  }
  Config c = ParseOk(R"({"channels": {"legal-aid": {"type": "file", "dir": "a"},
                                      "2nd_portal": {"type": "file", "dir": "b"}}})");
  EXPECT_THAT(c.ChannelNames(), ElementsAre("2nd_portal", "legal-aid"));
}

TEST_F(ConfigTest, ChannelsRequired) {
  EXPECT_EQ(ParseError("{}"), "channels: missing; at least one channel is required");
  EXPECT_EQ(ParseError(R"({"channels": {}})"), "channels: at least one channel is required");
  EXPECT_EQ(ParseError(R"({"channels": ["portal"]})"),
            "channels: expected an object of channel name -> { \"type\": ... }");
}

TEST_F(ConfigTest, Categories) {
  std::string wp = R"({"type": "wordpress", "base_url": "https://wp.example", "username": "u",
                      "app_password_file": "p", "categories": )";
  EXPECT_THAT(Lines(ParseError(WithChannel(wp + R"({"a": 0, "b": "12", "c": 1.5, "d": 3}})"))),
              ElementsAre("channels.x.categories.a: expected a positive whole number (category id)",
                          "channels.x.categories.b: expected a positive whole number (category id)",
                          "channels.x.categories.c: expected a positive whole number (category "
                          "id)"));
  EXPECT_EQ(ParseError(WithChannel(wp + "[12]}")),
            "channels.x.categories: expected an object of topic -> category id, like "
            "{\"kiem-soat-tthc\": 12}");
}

TEST_F(ConfigTest, DuplicateKeysAreErrors) {
  std::string error = ParseError(R"({"inbox": "a", "inbox": "b",
      "channels": {"x": {"type": "file", "dir": "o", "dir": "p"}}})");
  EXPECT_THAT(Lines(error), ElementsAre("inbox: appears more than once",
                                        "channels.x.dir: appears more than once"));
}

TEST_F(ConfigTest, FileChannelFolders) {
  EXPECT_EQ(ParseError(R"({"channels": {"a": {"type": "file", "dir": "out"},
                                         "b": {"type": "file", "dir": "./out"}}})"),
            "channels.b.dir: same folder as channels.a.dir; each channel needs its own");
  EXPECT_EQ(
      ParseError(R"({"inbox": "drop", "channels": {"a": {"type": "file", "dir": "drop/x"}}})"),
      "channels.a.dir: must not be inside the inbox folder (its output would be read as new "
      "items)");
  ParseOk(R"({"inbox": "drop", "channels": {"a": {"type": "file", "dir": "dropped"}}})");
}

TEST_F(ConfigTest, InvalidJsonDoesNotQuoteTheText) {
  const std::string secret = "s3cr3t-pasted-by-mistake";
  std::string error = ParseError(R"({"channels": {"x": {"type": "file", "dir": )" + secret + "}}}");
  EXPECT_THAT(error, HasSubstr("config: not valid JSON (comments allowed): parse error at line 1"));
  EXPECT_THAT(error, Not(HasSubstr(secret)));
  EXPECT_THAT(error, Not(HasSubstr("s3c")));
  EXPECT_EQ(ParseError("[1, 2]"), "config: expected a JSON object { ... } at the top level");
}

TEST_F(ConfigTest, DefaultConfig) {
  Config c = DefaultConfig(dir_);
  EXPECT_EQ(c.config_dir, dir_);
  EXPECT_EQ(c.timezone.Name(), "Asia/Ho_Chi_Minh");
  EXPECT_EQ(c.state_dir, dir_ / "var/state");
  EXPECT_EQ(c.inbox, dir_ / "var/inbox");
  EXPECT_EQ(c.log_dir, dir_ / "var/log");
  EXPECT_EQ(c.max_lateness, hours(24 * 7));
  EXPECT_THAT(c.ChannelNames(), ElementsAre("cchc", "facebook", "legal-aid", "portal", "zalo"));
  for (const auto& [name, channel] : c.channels) {
    EXPECT_EQ(channel.type, "file");
    EXPECT_EQ(channel.Settings<FileSettings>().dir, dir_ / "var/outbox" / name);
    EXPECT_FALSE(channel.window.has_value());
  }
  // The text `loa config show-default` prints is documented and loads back.
  std::string text = DefaultConfigText();
  EXPECT_THAT(text, HasSubstr("//"));
  Write(dir_ / "loa.json", text);
  auto loaded = LoadConfig(dir_ / "loa.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->ChannelNames(), c.ChannelNames());
}

TEST_F(ConfigTest, ExampleConfigParses) {
  fs::path example = fs::path(LOA_SAMPLES_DIR "/../../config/loa.example.json").lexically_normal();
  auto c = LoadConfig(example);
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->config_dir, example.parent_path());
  std::set<std::string> types;
  for (const auto& [name, channel] : c->channels) types.insert(channel.type);
  EXPECT_EQ(types, (std::set<std::string>{"file", "wordpress", "webhook", "facebook", "zalo"}));
  const auto& portal = c->channels.at("portal").Settings<WordPressSettings>();
  EXPECT_EQ(portal.base_url, "https://sotuphap.example.gov.vn");
  EXPECT_FALSE(portal.categories.empty());
  EXPECT_TRUE(portal.http.ca_file.has_value());
  EXPECT_TRUE(c->channels.at("portal").window.has_value());
  EXPECT_GT(c->channels.at("portal").min_interval, Millis(0));
  EXPECT_TRUE(c->channels.at("legal-aid").Settings<WordPressSettings>().http.allow_insecure_http);
  EXPECT_FALSE(c->channels.at("cchc").Settings<WebhookSettings>().secret_file.empty());
  EXPECT_EQ(c->channels.at("cchc").retry.max_attempts, 6);
  const auto& facebook = c->channels.at("facebook").Settings<FacebookSettings>();
  EXPECT_FALSE(facebook.page_token_file.empty());
  EXPECT_FALSE(facebook.app_secret_file.empty());
  const auto& zalo = c->channels.at("zalo").Settings<ZaloSettings>();
  EXPECT_EQ(zalo.author, "Sở Tư pháp");
  EXPECT_FALSE(zalo.media_base_url.empty());
}

TEST_F(ConfigTest, LoadConfigNamesTheFile) {
  fs::path file = dir_ / "etc/loa.json";
  Write(file, R"({"timezone": "x", "channels": {"a": {"type": "file", "dir": "out"}},
                  "inbox": 1})");
  auto c = LoadConfig(file);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(Lines(c.error()),
              ElementsAre(file.string() + ": timezone: 'x' is not a zone of the system's "
                                          "tz database (package tzdata), like Asia/Ho_Chi_Minh, "
                                          "nor a UTC offset like +07:00",
                          file.string() + ": inbox: expected a string: a folder path"));

  auto missing = LoadConfig(dir_ / "nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr((dir_ / "nope.json").string()));

  Write(file, WithFileChannel());
  auto good = LoadConfig(file);
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_EQ(good->config_dir, dir_ / "etc");
  EXPECT_EQ(good->state_dir, dir_ / "etc/var/state");
}

TEST_F(ConfigTest, ReadSecretBesideTheConfig) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  Write(dir_ / "wp-pass", "  abcd efgh ijkl mnop\n\n");
  auto secret = ReadSecret("wp-pass", dir_);
  ASSERT_TRUE(secret.ok()) << secret.error();
  EXPECT_EQ(*secret, "abcd efgh ijkl mnop");  // inner spaces are part of it

  Write(dir_ / "sub/key", "k\r\n");
  EXPECT_EQ(*ReadSecret("sub/key", dir_), "k");
  EXPECT_EQ(*ReadSecret((dir_ / "sub/key").string(), "/nonexistent"), "k");
}

TEST_F(ConfigTest, ReadSecretFromCredentialsDirectory) {
  fs::path credentials = dir_ / "credentials";
  Write(credentials / "hook-secret", "from-systemd\n");
  Write(dir_ / "hook-secret", "beside-config\n");
  {
    ScopedEnv env("CREDENTIALS_DIRECTORY", credentials.string());
    EXPECT_EQ(*ReadSecret("hook-secret", dir_), "from-systemd");
    // Absolute names are taken as they are.
    EXPECT_EQ(*ReadSecret((dir_ / "hook-secret").string(), dir_), "beside-config");
    auto missing = ReadSecret("other", dir_);
    ASSERT_FALSE(missing.ok());
    EXPECT_THAT(missing.error(), HasSubstr((credentials / "other").string()));
    EXPECT_THAT(missing.error(), HasSubstr("does not exist"));
    EXPECT_THAT(missing.error(), HasSubstr("CREDENTIALS_DIRECTORY"));
  }
  {
    ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
    EXPECT_EQ(*ReadSecret("hook-secret", dir_), "beside-config");
  }
}

TEST_F(ConfigTest, ReadSecretErrorsNameTheFileNeverTheContent) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  Write(dir_ / "blank", " \n\t\n");
  auto blank = ReadSecret("blank", dir_);
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.error(), "secret file " + (dir_ / "blank").string() + ": is empty");

  const std::string secret = "TOP-SECRET-CONTENT";
  std::string big;
  while (big.size() <= 64 * 1024) big += secret;
  Write(dir_ / "big", big);
  auto too_big = ReadSecret("big", dir_);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error(), "secret file " + (dir_ / "big").string() +
                                 ": is larger than 64 KiB; is it the right file?");
  EXPECT_THAT(too_big.error(), Not(HasSubstr(secret)));

  std::string exactly(64 * 1024, 'k');
  Write(dir_ / "limit", exactly);
  EXPECT_EQ(ReadSecret("limit", dir_)->size(), exactly.size());

  fs::create_directories(dir_ / "folder");
  auto folder = ReadSecret("folder", dir_);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error(),
            "secret file " + (dir_ / "folder").string() + ": is not a regular file");

  auto missing = ReadSecret("absent", dir_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr((dir_ / "absent").string() + ": does not exist"));

  EXPECT_FALSE(ReadSecret("", dir_).ok());

  if (::geteuid() != 0) {  // root reads anything
    Write(dir_ / "locked", secret);
    fs::permissions(dir_ / "locked", fs::perms::none);
    auto locked = ReadSecret("locked", dir_);
    ASSERT_FALSE(locked.ok());
    EXPECT_THAT(locked.error(), HasSubstr("cannot open: Permission denied"));
    EXPECT_THAT(locked.error(), Not(HasSubstr(secret)));
  }
}

TEST_F(ConfigTest, ReadSecretRefusesAFileOtherUsersCanReadOrWrite) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  const std::string secret = "TOP-SECRET-CONTENT";
  const fs::path path = dir_ / "wp-pass";
  Write(path, secret + "\n");
  fs::permissions(path, fs::perms(0644));
  auto readable = ReadSecret("wp-pass", dir_);
  ASSERT_FALSE(readable.ok());
  EXPECT_EQ(readable.error(), "secret file " + path.string() +
                                  ": is readable by other users (mode 0644); make it private "
                                  "with: chmod 600 " +
                                  path.string());
  fs::permissions(path, fs::perms(0622));
  auto writable = ReadSecret("wp-pass", dir_);
  ASSERT_FALSE(writable.ok());
  EXPECT_THAT(writable.error(), HasSubstr("is writable by other users (mode 0622)"));
  EXPECT_THAT(writable.error(), Not(HasSubstr(secret)));

  // Its group may read it: systemd hands credentials over as 0440.
  for (int mode : {0400, 0440, 0640, 0600}) {
    fs::permissions(path, fs::perms(mode));
    auto ok = ReadSecret("wp-pass", dir_);
    ASSERT_TRUE(ok.ok()) << std::oct << mode << ": " << ok.error();
    EXPECT_EQ(*ok, secret);
  }
}

TEST_F(ConfigTest, ReadSecretFollowsSymlinks) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  Write(dir_ / "real", "value\n");
  fs::create_symlink(dir_ / "real", dir_ / "link");
  EXPECT_EQ(*ReadSecret("link", dir_), "value");
}

TEST_F(ConfigTest, CheckSecretsReportsEveryMissingSecret) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  const std::string wp_password = "wp-application-password";
  Write(dir_ / "wp-pass", wp_password + "\n");
  Config c = ParseOk(R"({"channels": {
      "portal": {"type": "wordpress", "base_url": "https://wp.example", "username": "u",
                 "app_password_file": "wp-pass"},
      "cchc": {"type": "webhook", "url": "https://h.example", "secret_file": "hook-secret"},
      "legal-aid": {"type": "wordpress", "base_url": "https://la.example", "username": "u",
                    "app_password_file": "la-pass"},
      "zalo": {"type": "file", "dir": "out"}}})");
  auto status = CheckSecrets(c);
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(
      Lines(status.error()),
      ElementsAre("channels.cchc.secret_file: secret file " + (dir_ / "hook-secret").string() +
                      ": does not exist (looked beside the config, as "
                      "$CREDENTIALS_DIRECTORY is not set)",
                  "channels.legal-aid.app_password_file: secret file " +
                      (dir_ / "la-pass").string() +
                      ": does not exist (looked beside the config, as "
                      "$CREDENTIALS_DIRECTORY is not set)"));
  EXPECT_THAT(status.error(), Not(HasSubstr(wp_password)));

  Write(dir_ / "hook-secret", "h");
  Write(dir_ / "la-pass", "l");
  auto ok = CheckSecrets(c);
  EXPECT_TRUE(ok.ok()) << ok.error();
  EXPECT_TRUE(CheckSecrets(DefaultConfig(dir_)).ok());
}

// A facebook channel with every required key, plus `extra` keys.
std::string Facebook(const std::string& extra = "") {
  return WithChannel(R"({"type": "facebook", "page_id": "1234567890",
                         "page_token_file": "fb-token")" +
                     extra + "}");
}

// A zalo channel with every required key, plus `extra` keys.
std::string Zalo(const std::string& extra = "") {
  return WithChannel(R"({"type": "zalo", "app_id": "42", "secret_key_file": "zalo-key",
                         "refresh_token_file": "zalo-refresh", "author": "Sở Tư pháp",
                         "cover_url": "https://stp.example.gov.vn/banner.jpg")" +
                     extra + "}");
}

// A number nlohmann cannot hold is a message, not an uncaught exception that
// aborts `loa daemon` and `loa config check`.
TEST_F(ConfigTest, NumberOutOfRangeIsAnErrorNotACrash) {
  for (std::string number : {"1e999", "-1e999", "1E400"}) {
    std::string error = ParseError(
        WithChannel(R"({"type": "file", "dir": "out", "retry": {"factor": )" + number + "}}"));
    EXPECT_EQ(error, "config: a number is out of range (at most about 1.8e308)");
    EXPECT_THAT(error, Not(HasSubstr(number)));
  }
}

// Objects and arrays nested more than 32 levels are refused as soon as the
// parser reaches the 33rd, whatever the nesting is made of; before the limit
// 100,000 nested arrays took gigabytes for key paths.
TEST_F(ConfigTest, NestingDeeperThan32LevelsIsRefused) {
  const std::string kTooDeep =
      "config: objects and arrays nested more than 32 levels deep (a config needs 4)";
  // `levels` times `open`, then `inner`, then as many `close`.
  auto nested = [](const std::string& open, const std::string& inner, const std::string& close,
                   int levels) {
    std::string out;
    for (int i = 0; i < levels; ++i) out += open;
    out += inner;
    for (int i = 0; i < levels; ++i) out += close;
    return out;
  };
  // The root object is level 1, so 31 levels fit inside an unknown key.
  EXPECT_THAT(ParseError(WithFileChannel(R"("deep": )" + nested("[", "", "]", 31) + ",")),
              HasSubstr("deep: unknown key"));
  EXPECT_THAT(ParseError(WithFileChannel(R"("deep": )" + nested("{\"a\":", "{}", "}", 30) + ",")),
              HasSubstr("deep: unknown key"));
  EXPECT_EQ(ParseError(WithFileChannel(R"("deep": )" + nested("[", "", "]", 32) + ",")), kTooDeep);
  EXPECT_EQ(ParseError(WithFileChannel(R"("deep": )" + nested("{\"a\":", "{}", "}", 31) + ",")),
            kTooDeep);
  EXPECT_EQ(ParseError(nested("[", "", "]", 100000)), kTooDeep);
  // Unclosed: refused at the limit, before the end of the text is reached.
  EXPECT_EQ(ParseError(std::string(100000, '[')), kTooDeep);
}

TEST_F(ConfigTest, FacebookDefaults) {
  Config c = ParseOk(Facebook());
  const ChannelConfig& channel = c.channels.at("x");
  EXPECT_EQ(channel.type, "facebook");
  EXPECT_EQ(channel.concurrency, 1);  // the Page's calls are throttled per Page
  const auto& fb = channel.Settings<FacebookSettings>();
  EXPECT_EQ(fb.page_id, "1234567890");
  EXPECT_EQ(fb.graph_base_url, "https://graph.facebook.com/v21.0");
  EXPECT_EQ(fb.page_token_file, "fb-token");
  EXPECT_EQ(fb.app_secret_file, "");
  EXPECT_FALSE(fb.http.ca_file.has_value());
  EXPECT_FALSE(fb.http.allow_insecure_http);
  EXPECT_EQ(fb.http.timeout, seconds(30));
}

TEST_F(ConfigTest, FacebookEveryKey) {
  Config c = ParseOk(Facebook(R"(, "graph_base_url": "https://graph.facebook.com/v23.0/",
      "app_secret_file": "fb-app-secret", "ca_file": "ca.pem", "timeout": "1m",
      "allow_insecure_http": false, "window": "07:00-21:00")"));
  const auto& fb = c.channels.at("x").Settings<FacebookSettings>();
  EXPECT_EQ(fb.graph_base_url, "https://graph.facebook.com/v23.0");  // trailing slash dropped
  EXPECT_EQ(fb.app_secret_file, "fb-app-secret");
  EXPECT_EQ(fb.http.ca_file, dir_ / "ca.pem");
  EXPECT_EQ(fb.http.timeout, minutes(1));
  EXPECT_TRUE(c.channels.at("x").window.has_value());

  // A fake Graph server on loopback needs no opt-in; another plain-http host does.
  Config local = ParseOk(Facebook(R"(, "graph_base_url": "http://127.0.0.1:8123/v21.0")"));
  EXPECT_EQ(local.channels.at("x").Settings<FacebookSettings>().graph_base_url,
            "http://127.0.0.1:8123/v21.0");
  ParseOk(Facebook(R"(, "graph_base_url": "http://graph.lab/v21.0", "allow_insecure_http": true)"));
}

TEST_F(ConfigTest, FacebookProblems) {
  EXPECT_THAT(Lines(ParseError(WithChannel(R"({"type": "facebook"})"))),
              ElementsAre("channels.x.page_id: missing; expected the numeric Page ID (Page > "
                          "About > Page transparency)",
                          "channels.x.page_token_file: missing; expected the name of the file "
                          "holding the Page access token (a systemd credential name)"));
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "facebook", "page_id": "sotuphap.hanoi",
                                       "page_token_file": "t"})")),
            "channels.x.page_id: must be the numeric Page ID (digits only), not the Page's name");
  EXPECT_EQ(ParseError(WithChannel(R"({"type": "facebook", "page_id": 1234,
                                       "page_token_file": "t"})")),
            "channels.x.page_id: expected a string: the numeric Page ID (Page > About > Page "
            "transparency)");
  EXPECT_EQ(ParseError(Facebook(R"(, "graph_base_url": "http://graph.facebook.com/v21.0")")),
            "channels.x.graph_base_url: must be an https:// URL (plain http:// only to loopback "
            "or with allow_insecure_http)");
  EXPECT_EQ(ParseError(Facebook(R"(, "graph_base_url": "https://graph.facebook.com/v21.0?x=1")")),
            "channels.x.graph_base_url: must be a base URL without ?query");
  EXPECT_EQ(ParseError(Facebook(R"(, "graph_base_url": "")")),
            "channels.x.graph_base_url: must not be empty; leave it out for the default");
  EXPECT_EQ(ParseError(Facebook(R"(, "app_secret_file": "")")),
            "channels.x.app_secret_file: must not be empty; leave it out when the app does not "
            "require appsecret_proof");
  EXPECT_EQ(ParseError(Facebook(R"(, "secret_key_file": "k")")),
            "channels.x.secret_key_file: unknown key; allowed here: type, window, min_interval, "
            "concurrency, retry, page_id, graph_base_url, page_token_file, app_secret_file, "
            "ca_file, timeout, "
            "allow_insecure_http");
}

TEST_F(ConfigTest, ZaloDefaults) {
  Config c = ParseOk(Zalo());
  const ChannelConfig& channel = c.channels.at("x");
  EXPECT_EQ(channel.type, "zalo");
  EXPECT_EQ(channel.concurrency, 1);
  const auto& zalo = channel.Settings<ZaloSettings>();
  EXPECT_EQ(zalo.app_id, "42");
  EXPECT_EQ(zalo.secret_key_file, "zalo-key");
  EXPECT_EQ(zalo.refresh_token_file, "zalo-refresh");
  EXPECT_EQ(zalo.api_base_url, "https://openapi.zalo.me");
  EXPECT_EQ(zalo.oauth_base_url, "https://oauth.zaloapp.com");
  EXPECT_EQ(zalo.author, "Sở Tư pháp");
  EXPECT_EQ(zalo.cover_url, "https://stp.example.gov.vn/banner.jpg");
  EXPECT_EQ(zalo.media_base_url, "");
  EXPECT_EQ(zalo.http.timeout, seconds(30));
}

TEST_F(ConfigTest, ZaloEveryKey) {
  Config c = ParseOk(Zalo(R"(, "api_base_url": "http://127.0.0.1:9001",
      "oauth_base_url": "http://localhost:9002/", "media_base_url": "https://stp.example/media/",
      "ca_file": "/etc/ssl/ca.pem", "timeout": "15s", "allow_insecure_http": false)"));
  const auto& zalo = c.channels.at("x").Settings<ZaloSettings>();
  EXPECT_EQ(zalo.api_base_url, "http://127.0.0.1:9001");
  EXPECT_EQ(zalo.oauth_base_url, "http://localhost:9002");
  EXPECT_EQ(zalo.media_base_url, "https://stp.example/media");
  EXPECT_EQ(zalo.http.ca_file, fs::path("/etc/ssl/ca.pem"));
  EXPECT_EQ(zalo.http.timeout, seconds(15));
}

TEST_F(ConfigTest, ZaloProblems) {
  EXPECT_THAT(
      Lines(ParseError(WithChannel(R"({"type": "zalo"})"))),
      ElementsAre("channels.x.app_id: missing; expected the Zalo app ID",
                  "channels.x.secret_key_file: missing; expected the name of the file holding "
                  "the app's secret key (a systemd credential name)",
                  "channels.x.refresh_token_file: missing; expected the name of the file "
                  "holding the first refresh token (a systemd credential name)",
                  "channels.x.author: missing; expected the article author shown by Zalo",
                  "channels.x.cover_url: missing; expected the https:// URL of the default cover "
                  "image"));
  // 50 characters are fine even where UTF-8 needs more bytes; 51 are not.
  std::string fifty;
  for (int i = 0; i < 50; ++i) fifty += "ữ";
  auto with_author = [](const std::string& author) {
    return WithChannel(R"({"type": "zalo", "app_id": "42", "secret_key_file": "k",
        "refresh_token_file": "r", "cover_url": "https://a.example/c.jpg", "author": ")" +
                       author + "\"}");
  };
  ParseOk(with_author(fifty));
  EXPECT_EQ(ParseError(with_author(fifty + "a")),
            "channels.x.author: must be at most 50 characters (Zalo's limit); it has 51");
  // Zalo's servers fetch the cover: never plain http, not even to loopback.
  auto with_cover = [](const std::string& cover) {
    return WithChannel(R"({"type": "zalo", "app_id": "42", "secret_key_file": "k",
        "refresh_token_file": "r", "author": "a", "allow_insecure_http": true,
        "cover_url": ")" +
                       cover + "\"}");
  };
  EXPECT_EQ(ParseError(with_cover("http://127.0.0.1/c.jpg")),
            "channels.x.cover_url: must be a public https:// URL (Zalo fetches it)");
  EXPECT_EQ(ParseError(with_cover("http://stp.example/c.jpg")),
            "channels.x.cover_url: must be a public https:// URL (Zalo fetches it)");
  EXPECT_EQ(ParseError(with_cover("banner.jpg")),
            "channels.x.cover_url: must be a public https:// URL (Zalo fetches it)");
  EXPECT_EQ(ParseError(with_cover("https://a.example/c d.jpg")),
            "channels.x.cover_url: must not contain spaces or control characters");
  EXPECT_EQ(ParseError(Zalo(R"(, "api_base_url": "http://openapi.zalo.me")")),
            "channels.x.api_base_url: must be an https:// URL (plain http:// only to loopback or "
            "with allow_insecure_http)");
  EXPECT_EQ(ParseError(Zalo(R"(, "media_base_url": "https://stp.example/m?x=1")")),
            "channels.x.media_base_url: must be a base URL without ?query");
  EXPECT_EQ(ParseError(Zalo(R"(, "page_id": "1")")),
            "channels.x.page_id: unknown key; allowed here: type, window, min_interval, "
            "concurrency, retry, "
            "app_id, secret_key_file, refresh_token_file, api_base_url, oauth_base_url, author, "
            "cover_url, media_base_url, ca_file, allow_insecure_http, timeout");
}

TEST_F(ConfigTest, SocialChannelsRefuseInlineSecrets) {
  const std::string secret = "EAAG-inline-page-token-value";
  std::string error = ParseError(R"({"channels": {
      "fb": {"type": "facebook", "page_id": "1", "page_token": ")" +
                                 secret + R"(", "app_secret": ")" + secret + R"("},
      "zalo": {"type": "zalo", "app_id": "42", "author": "a",
               "cover_url": "https://a.example/c.jpg", "secret_key": ")" +
                                 secret + R"(", "refresh_token": ")" + secret +
                                 R"(", "access_token": ")" + secret + R"("}}})");
  EXPECT_THAT(error, Not(HasSubstr(secret)));
  const std::string refused =
      ": secrets must not be written in the config; put the secret in its own file, name that "
      "file with ";
  const std::string systemd = " and under systemd pass it with LoadCredential=";
  std::vector<std::string> lines = Lines(error);
  for (const auto& line : {
           "channels.fb.page_token" + refused + "\"page_token_file\"" + systemd,
           "channels.fb.app_secret" + refused + "\"app_secret_file\"" + systemd,
           "channels.zalo.secret_key" + refused + "\"secret_key_file\"" + systemd,
           "channels.zalo.refresh_token" + refused + "\"refresh_token_file\"" + systemd,
           // No access_token_file exists: the Zalo access token lives in the store.
           "channels.zalo.access_token" + refused + "\"secret_key_file\"" + systemd,
       }) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end()) << line << "\nin:\n"
                                                                        << error;
  }
}

TEST_F(ConfigTest, CheckSecretsCoversSocialChannels) {
  ScopedEnv env("CREDENTIALS_DIRECTORY", std::nullopt);
  const std::string token = "EAAG-page-token";
  Write(dir_ / "fb-token", token + "\n");
  Write(dir_ / "zalo-key", "zalo-secret-key\n");
  Config c = ParseOk(R"({"channels": {
      "fb": {"type": "facebook", "page_id": "1", "page_token_file": "fb-token",
             "app_secret_file": "fb-app-secret"},
      "bare": {"type": "facebook", "page_id": "2", "page_token_file": "fb-token"},
      "zalo": {"type": "zalo", "app_id": "42", "secret_key_file": "zalo-key",
               "refresh_token_file": "zalo-refresh", "author": "a",
               "cover_url": "https://a.example/c.jpg"}}})");
  auto status = CheckSecrets(c);
  ASSERT_FALSE(status.ok());
  const std::string beside =
      ": does not exist (looked beside the config, as "
      "$CREDENTIALS_DIRECTORY is not set)";
  EXPECT_THAT(Lines(status.error()), ElementsAre("channels.fb.app_secret_file: secret file " +
                                                     (dir_ / "fb-app-secret").string() + beside,
                                                 "channels.zalo.refresh_token_file: secret file " +
                                                     (dir_ / "zalo-refresh").string() + beside));
  EXPECT_THAT(status.error(), Not(HasSubstr(token)));

  Write(dir_ / "fb-app-secret", "s");
  Write(dir_ / "zalo-refresh", "r");
  auto ok = CheckSecrets(c);
  EXPECT_TRUE(ok.ok()) << ok.error();
  fs::remove(dir_ / "zalo-key");
  auto missing_key = CheckSecrets(c);
  ASSERT_FALSE(missing_key.ok());
  EXPECT_EQ(missing_key.error(),
            "channels.zalo.secret_key_file: secret file " + (dir_ / "zalo-key").string() + beside);
}

}  // namespace
}  // namespace loa
