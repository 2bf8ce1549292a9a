// Alerts (daemon/alerts.h): every kind fires exactly once per event, to a
// real command (a script writing its stdin to a file) and to the fake
// webhook (tests/fakes/fake_webhook.h), which checks the X-Loa-Signature
// the webhook channel uses; a failing webhook is retried until it takes the
// alert; a hanging command never holds up the caller; an expiring
// credential is alerted once, also across a restart; the secret appears in
// no output. And the config's "alerts" section (config/alerts_config.cc).
#include "daemon/alerts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/startup_checks.h"
#include "queue/token_store.h"
#include "tests/fakes/fake_webhook.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const TimePoint kT0 = FromUnixMillis(1'796'000'000'000);
const std::string kSecret = "alert-hmac-key-5f2b9c7e1d";

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    dir_ = fakes::MakeTempDir("alerts");
    ASSERT_FALSE(dir_.empty());
    out_ = dir_ / "alerts.out";
    script_ = dir_ / "notify";
    // Appends each alert it is given on stdin as one line.
    fakes::WriteText(script_, "#!/bin/sh\ncat >> \"$1\"\necho >> \"$1\"\n");
    ::chmod(script_.c_str(), 0700);
    fakes::WriteSecret(dir_ / "alert-secret", kSecret + "\n");
    config_.config_dir = dir_;
    config_.state_dir = dir_ / "state";
    fs::create_directories(config_.state_dir);
    config_.alerts.command = {script_.string(), out_.string()};
    config_.alerts.command_timeout = 10s;
    AlertWebhookConfig webhook;
    webhook.url = hook_.base_url() + "/alerts";
    webhook.secret_file = "alert-secret";
    config_.alerts.webhook = webhook;
    options_.retry_initial = 10ms;
    options_.retry_max = 40ms;
  }
  void TearDown() override {
    alerts_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Open() {
    auto made = Alerts::Create(config_, clock_, options_);
    ASSERT_TRUE(made.ok()) << made.error();
    alerts_ = std::move(made).value();
  }
  bool WaitSent(uint64_t n) {
    return fakes::PollUntil([&] { return alerts_->counts().sent >= n; }, 20s);
  }
  // The alerts the command received, one JSON object per line.
  std::vector<json> CommandAlerts() const {
    std::vector<json> all;
    std::istringstream in(fakes::ReadText(out_));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) all.push_back(json::parse(line));
    }
    return all;
  }
  static std::map<std::string, int> ByEvent(const std::vector<json>& alerts) {
    std::map<std::string, int> n;
    for (const json& a : alerts) ++n[a.value("event", "")];
    return n;
  }

  fakes::FakeWebhook hook_{kSecret, "/alerts"};
  ManualClock clock_{kT0};
  fs::path dir_;
  fs::path out_;
  fs::path script_;
  Config config_;
  AlertOptions options_;
  std::unique_ptr<Alerts> alerts_;
};

EngineEvent Attempt(int64_t delivery, AttemptOutcome outcome, int number = 1) {
  EngineEvent e;
  e.kind = EngineEvent::Kind::kAttempt;
  e.channel = "facebook";
  e.delivery.id = delivery;
  e.delivery.post_id = "tt-2026-001";
  e.delivery.channel = "facebook";
  e.delivery.due_at = kT0;
  e.record.delivery_id = delivery;
  e.record.number = number;
  e.record.outcome = outcome;
  e.record.ended_at = kT0 + 1s;
  e.record.error = outcome == AttemptOutcome::kFailed ? "Graph error 100: invalid parameter" : "";
  e.record.error_class =
      outcome == AttemptOutcome::kFailed ? ErrorClass::kPermanent : ErrorClass::kNone;
  return e;
}

EngineEvent ChannelEvent(EngineEvent::Kind kind, const std::string& channel) {
  EngineEvent e;
  e.kind = kind;
  e.channel = channel;
  e.message = "Graph error 190: token expired";
  return e;
}

TEST_F(AlertsTest, EachEventAlertsExactlyOnce) {
  Open();
  // A failed delivery, told twice (the same row).
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kFailed), 41);
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kFailed), 41);
  // Attempts that need nobody.
  alerts_->OnEngineEvent(Attempt(2, AttemptOutcome::kPublished), 42);
  alerts_->OnEngineEvent(Attempt(2, AttemptOutcome::kRetry), 43);
  alerts_->OnEngineEvent(Attempt(3, AttemptOutcome::kMissed), 44);
  // Uncertain: the row and the engine's word that the last look is done.
  alerts_->OnEngineEvent(Attempt(4, AttemptOutcome::kUncertain, 2), 45);
  EngineEvent final_look;
  final_look.kind = EngineEvent::Kind::kUncertainFinal;
  final_look.channel = "facebook";
  final_look.delivery = Attempt(4, AttemptOutcome::kUncertain).delivery;
  final_look.delivery.attempts = 2;
  alerts_->OnEngineEvent(final_look, 0);
  alerts_->OnEngineEvent(final_look, 0);  // told twice: one alert
  // The operator's "not published" is a failed row of theirs: nobody to tell.
  EngineEvent resolved = Attempt(6, AttemptOutcome::kFailed);
  resolved.record.actor = Actor::kOperator;
  alerts_->OnEngineEvent(resolved, 46);
  // Another delivery's last look, without a row before it.
  final_look.delivery.id = 5;
  alerts_->OnEngineEvent(final_look, 0);
  // A pause told twice, a resume, a second pause.
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelPaused, "facebook"), 0);
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelPaused, "facebook"), 0);
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelResumed, "facebook"), 0);
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelResumed, "facebook"), 0);
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelPaused, "facebook"), 0);
  // A rejected item, told twice, with its report.
  fs::path rejected = dir_ / "inbox" / "rejected" / "bai-viet.json";
  fakes::WriteText(rejected, "{}");
  fakes::WriteText(rejected.string() + ".error.txt", "Lỗi: thiếu trường \"title\".\n");
  IngestResult result;
  result.kind = IngestResult::Kind::kRejected;
  result.moved_to = rejected;
  result.message = "rejected \"bai-viet.json\" (1 problem)";
  alerts_->OnIngest(result);
  alerts_->OnIngest(result);
  IngestResult accepted;
  accepted.kind = IngestResult::Kind::kAccepted;
  accepted.id = "ok";
  alerts_->OnIngest(accepted);
  // A credential expiring in 3 days, looked at twice.
  alerts_->CheckCredentials({{"zalo", kT0 + 72h}, {"later", kT0 + 30 * 24h}});
  alerts_->CheckCredentials({{"zalo", kT0 + 72h}});

  const int kWant = 9;
  ASSERT_TRUE(WaitSent(kWant)) << alerts_->counts().sent;
  // Nothing more comes.
  EXPECT_EQ(alerts_->counts().pending, 0u);
  EXPECT_EQ(alerts_->counts().sent, static_cast<uint64_t>(kWant));

  std::vector<json> got = CommandAlerts();
  ASSERT_EQ(got.size(), static_cast<size_t>(kWant)) << fakes::ReadText(out_);
  std::map<std::string, int> want = {
      {"delivery_failed", 1}, {"missed", 1},        {"uncertain", 2},     {"channel_paused", 2},
      {"channel_resumed", 1}, {"item_rejected", 1}, {"token_expiring", 1}};
  EXPECT_EQ(ByEvent(got), want);
  for (const json& a : got) {
    for (const char* key : {"event", "channel", "item", "message", "at"}) {
      EXPECT_TRUE(a.contains(key)) << key << " missing in " << a.dump();
    }
    if (a["event"] == "delivery_failed") {
      EXPECT_EQ(a["seq"], 41);
      EXPECT_EQ(a["item"], "tt-2026-001");
      EXPECT_EQ(a["channel"], "facebook");
      EXPECT_EQ(a["error"], "Graph error 100: invalid parameter");
      EXPECT_EQ(a["error_class"], "permanent");
    }
    if (a["event"] == "item_rejected") {
      EXPECT_EQ(a["file"], "bai-viet.json");
      EXPECT_EQ(a["report_text"], "Lỗi: thiếu trường \"title\".\n");
    }
    if (a["event"] == "token_expiring") {
      EXPECT_EQ(a["channel"], "zalo");
      EXPECT_EQ(a["expires_at"], FormatUtc(kT0 + 72h));
    }
  }

  // The webhook got the same alerts, each signed and keyed once.
  std::vector<fakes::FakeWebhook::Delivery> posted = hook_.deliveries();
  ASSERT_EQ(posted.size(), static_cast<size_t>(kWant));
  std::vector<json> posted_json;
  for (const auto& p : posted) posted_json.push_back(p.json);
  EXPECT_EQ(ByEvent(posted_json), want);
  for (const auto& r : hook_.requests()) {
    EXPECT_TRUE(r.signature_ok);
    EXPECT_TRUE(r.idempotency_key.starts_with("loa-alert:")) << r.idempotency_key;
  }
}

TEST_F(AlertsTest, FailingWebhookIsRetriedThenSucceeds) {
  hook_.FailNext(3, 503);
  Open();
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kFailed), 7);
  ASSERT_TRUE(WaitSent(1));
  EXPECT_EQ(hook_.requests().size(), 4u);
  EXPECT_EQ(hook_.deliveries().size(), 1u);
  EXPECT_GE(alerts_->counts().failed_tries, 3u);
  // The command took it the first time and was not run again.
  EXPECT_EQ(CommandAlerts().size(), 1u);
}

TEST_F(AlertsTest, AReloadHandsOverWhatIsQueuedAndWhatWasRaised) {
  // The running alerts' webhook refuses: the alert waits in its queue.
  config_.alerts.command.clear();
  hook_.FailNext(1000, 503);
  Open();
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kFailed), 7);
  ASSERT_TRUE(fakes::PollUntil([&] { return alerts_->counts().failed_tries >= 1; }, 20s));
  EXPECT_TRUE(CommandAlerts().empty());
  // The reload adds the command: the new alerts send the queued one there.
  config_.alerts.command = {script_.string(), out_.string()};
  config_.alerts.webhook.reset();
  auto fresh = Alerts::Create(config_, clock_, options_);
  ASSERT_TRUE(fresh.ok()) << fresh.error();
  (*fresh)->TakeOver(std::move(alerts_));
  alerts_ = std::move(fresh).value();
  ASSERT_TRUE(WaitSent(1));
  // The same row told again after the reload raises nothing new.
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kFailed), 7);
  alerts_->OnEngineEvent(Attempt(2, AttemptOutcome::kMissed), 8);
  ASSERT_TRUE(WaitSent(2));
  EXPECT_EQ(ByEvent(CommandAlerts()),
            (std::map<std::string, int>{{"delivery_failed", 1}, {"missed", 1}}));
  EXPECT_EQ(alerts_->counts().pending, 0u);
}

TEST_F(AlertsTest, HangingCommandNeverBlocksTheCaller) {
  fakes::WriteText(script_, "#!/bin/sh\nsleep 60\n");
  config_.alerts.command_timeout = 300ms;
  config_.alerts.webhook.reset();
  options_.max_tries = 2;
  options_.queue_capacity = 3;
  Open();
  testing::internal::CaptureStderr();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t seq = 1; seq <= 6; ++seq) {
    alerts_->OnEngineEvent(Attempt(seq, AttemptOutcome::kFailed), seq);
  }
  const auto raised = std::chrono::steady_clock::now() - start;
  // Raising is queuing: far below the command's timeout.
  EXPECT_LT(raised, 250ms);
  // The first is killed at its timeout, tried again, then given up.
  ASSERT_TRUE(fakes::PollUntil([&] { return alerts_->counts().given_up >= 1; }, 20s));
  const auto stop = std::chrono::steady_clock::now();
  alerts_.reset();  // kills the command under way
  EXPECT_LT(std::chrono::steady_clock::now() - stop, 5s);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("alert queue full (3 waiting): dropped the oldest alert"), std::string::npos)
      << log;
  EXPECT_NE(log.find("killed after"), std::string::npos) << log;
}

TEST_F(AlertsTest, TokenExpiringFiresOnceAndNotAgainAfterRestart) {
  config_.alerts.token_warning = std::chrono::days(7);
  Open();
  const std::map<std::string, TimePoint> expiry = {{"zalo", kT0 + std::chrono::days(10)}};
  alerts_->CheckCredentials(expiry);
  EXPECT_EQ(alerts_->counts().pending + alerts_->counts().sent, 0u);  // 10 days: not yet
  clock_.Advance(std::chrono::days(4));
  alerts_->CheckCredentials(expiry);
  ASSERT_TRUE(WaitSent(1));
  clock_.Advance(1h);
  alerts_->CheckCredentials(expiry);

  // A restart: what was sent is remembered in the state folder.
  alerts_.reset();
  struct stat st {};
  ASSERT_EQ(::stat((config_.state_dir / "alerts-sent.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0027, 0u);
  Open();
  alerts_->CheckCredentials(expiry);
  clock_.Advance(std::chrono::days(3));  // expired now: still the same expiry
  alerts_->CheckCredentials(expiry);
  EXPECT_EQ(alerts_->counts().pending + alerts_->counts().sent, 0u);

  // A new grant with a new date: alerted once when its time comes.
  const std::map<std::string, TimePoint> renewed = {{"zalo", clock_.Now() + std::chrono::days(90)}};
  alerts_->CheckCredentials(renewed);
  EXPECT_EQ(alerts_->counts().pending + alerts_->counts().sent, 0u);
  clock_.Advance(std::chrono::days(85));
  alerts_->CheckCredentials(renewed);
  ASSERT_TRUE(WaitSent(1));
  std::vector<json> got = CommandAlerts();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["expires_at"], FormatUtc(kT0 + std::chrono::days(10)));
}

TEST_F(AlertsTest, SecretAppearsInNoOutput) {
  hook_.FailNext(1, 401);
  testing::internal::CaptureStderr();
  Open();
  alerts_->OnEngineEvent(ChannelEvent(EngineEvent::Kind::kChannelPaused, "facebook"), 0);
  ASSERT_TRUE(WaitSent(1));
  alerts_.reset();
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("alert channel_paused"), std::string::npos) << log;
  EXPECT_NE(log.find("HTTP 401"), std::string::npos) << log;
  EXPECT_EQ(log.find(kSecret), std::string::npos);
  EXPECT_EQ(fakes::ReadText(out_).find(kSecret), std::string::npos);
  for (const auto& d : hook_.deliveries()) EXPECT_EQ(d.body.find(kSecret), std::string::npos);

  // A secret file others may read is refused, naming the file, not its content.
  ::chmod((dir_ / "alert-secret").c_str(), 0644);
  auto refused = Alerts::Create(config_, clock_, options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("alerts.webhook.secret_file"), std::string::npos);
  EXPECT_NE(refused.error().find("chmod 600"), std::string::npos) << refused.error();
  EXPECT_EQ(refused.error().find(kSecret), std::string::npos);
}

TEST_F(AlertsTest, SecretIsLookedUpInTheCredentialsDirectoryFirst) {
  const fs::path creds = dir_ / "creds";
  fakes::WriteSecret(creds / "alert-secret", "another-key\n");
  ::setenv("CREDENTIALS_DIRECTORY", creds.c_str(), 1);
  Open();
  alerts_->OnEngineEvent(Attempt(1, AttemptOutcome::kMissed), 3);
  ASSERT_TRUE(fakes::PollUntil([&] { return !hook_.requests().empty(); }, 20s));
  alerts_.reset();
  ::unsetenv("CREDENTIALS_DIRECTORY");
  // Signed with the credential's key, which the fake (kSecret) refuses.
  EXPECT_FALSE(hook_.requests().front().signature_ok);
}

// ---- When credentials stop working (connectors/registry.h) -----------------

TEST(CredentialExpiryTest, ZaloFromItsStoredPairOthersUnknown) {
  const fs::path dir = fakes::MakeTempDir("expiry");
  ASSERT_FALSE(dir.empty());
  auto config = ParseConfig(R"({"channels": {
      "zalo": {"type": "zalo", "app_id": "1", "secret_key_file": "k", "refresh_token_file": "r",
               "author": "Sở Tư pháp", "cover_url": "https://a.example/c.jpg"},
      "zalo-2": {"type": "zalo", "app_id": "2", "secret_key_file": "k", "refresh_token_file": "r",
                 "author": "Sở Tư pháp", "cover_url": "https://a.example/c.jpg"},
      "facebook": {"type": "facebook", "page_id": "1", "page_token_file": "t"}}})",
                            dir);
  ASSERT_TRUE(config.ok()) << config.error();
  auto store = TokenStore::Open(dir / "loa.db");
  ASSERT_TRUE(store.ok()) << store.error();
  TokenPair pair;
  pair.access_token = "a";
  pair.refresh_token = "r";
  pair.obtained_at = kT0;
  pair.access_expires_at = kT0 + 25h;
  ASSERT_TRUE((*store)->Save("zalo", pair).ok());
  // A Page token has no date (docs/platforms.md); zalo-2 has no pair yet.
  std::map<std::string, TimePoint> want = {{"zalo", kT0 + std::chrono::days(90)}};
  EXPECT_EQ(CredentialExpiries(*config, **store), want);
  store->reset();
  fs::remove_all(dir);
}

// ---- The "alerts" config section -------------------------------------------

std::string ConfigWith(const std::string& alerts) {
  return R"({"state_dir": "s", "inbox": "i", "log_dir": "l",
             "channels": {"portal": {"type": "file", "dir": "o"}},
             "alerts": )" +
         alerts + "}";
}

TEST(AlertsConfigTest, ReadsEveryKey) {
  auto config = ParseConfig(ConfigWith(R"({
      "command": ["/usr/local/bin/notify", "--to", "ops"], "command_timeout": "10s",
      "webhook": {"url": "https://alerts.example.vn/loa", "secret_file": "alert-secret",
                  "ca_file": "ca.pem", "timeout": "5s"},
      "token_warning": "14d"})"),
                            "/etc/loa");
  ASSERT_TRUE(config.ok()) << config.error();
  const AlertsConfig& a = config->alerts;
  EXPECT_EQ(a.command, (std::vector<std::string>{"/usr/local/bin/notify", "--to", "ops"}));
  EXPECT_EQ(a.command_timeout, 10s);
  ASSERT_TRUE(a.webhook.has_value());
  EXPECT_EQ(a.webhook->url, "https://alerts.example.vn/loa");
  EXPECT_EQ(a.webhook->secret_file, "alert-secret");
  EXPECT_EQ(a.webhook->http.ca_file, fs::path("/etc/loa/ca.pem"));
  EXPECT_EQ(a.webhook->http.timeout, 5s);
  EXPECT_EQ(a.token_warning, std::chrono::days(14));
  // Without the section: no command, no webhook, a week's warning.
  auto plain = ParseConfig(R"({"channels": {"portal": {"type": "file", "dir": "o"}}})", "/etc/loa");
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_TRUE(plain->alerts.command.empty());
  EXPECT_FALSE(plain->alerts.webhook.has_value());
  EXPECT_EQ(plain->alerts.token_warning, std::chrono::days(7));
}

TEST(AlertsConfigTest, RefusesWhatIsWrongWithItsKeyPath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"comand": ["/bin/true"]})", "alerts.comand: unknown key"},
      {R"({"command": "/bin/notify --x"})", "alerts.command: expected a non-empty array"},
      {R"({"command": []})", "alerts.command: expected a non-empty array"},
      {R"({"command": ["notify"]})", "alerts.command: the program must be an absolute path"},
      {R"({"command": ["/bin/x", 3]})", "alerts.command: expected a non-empty array"},
      {R"({"webhook": {"url": "https://a.example/x"}})", "alerts.webhook.secret_file"},
      {R"({"webhook": {"url": "http://a.example/x", "secret_file": "s"}})", "alerts.webhook.url"},
      {R"({"webhook": {"url": "https://a.example/x", "secret_file": "s", "x": 1}})",
       "alerts.webhook.x: unknown key"},
      {R"({"webhook": {"url": "https://a.example/x", "secret": "abc"}})",
       "alerts.webhook.secret: secrets must not be written in the config"},
      {R"({"token_warning": "soon"})", "alerts.token_warning"},
      {R"("yes")", "alerts: expected an object"},
  };
  for (const auto& [text, want] : cases) {
    auto config = ParseConfig(ConfigWith(text), "/etc/loa");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().find(want), std::string::npos) << text << "\n" << config.error();
    EXPECT_EQ(config.error().find("abc"), std::string::npos) << config.error();
  }
}

TEST(AlertsConfigTest, StartupChecksFindTheSecretAndTheCommand) {
  ::unsetenv("CREDENTIALS_DIRECTORY");
  const fs::path dir = fakes::MakeTempDir("alerts-check");
  ASSERT_FALSE(dir.empty());
  const std::string text = R"({"state_dir": "s", "inbox": "i", "log_dir": "l",
      "channels": {"portal": {"type": "file", "dir": "o"}},
      "alerts": {"command": [")" +
                           (dir / "notify").string() + R"("],
                 "webhook": {"url": "https://a.example/x", "secret_file": "alert-secret"}}})";
  fakes::WriteText(dir / "loa.json", text);
  StartupOptions options;
  options.config_file = dir / "loa.json";
  auto refused = StartupChecks(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("alerts.webhook.secret_file: secret file"), std::string::npos)
      << refused.error();
  EXPECT_NE(
      refused.error().find("alerts.command: " + (dir / "notify").string() + " does not exist"),
      std::string::npos)
      << refused.error();

  fakes::WriteSecret(dir / "alert-secret", kSecret);
  fakes::WriteText(dir / "notify", "#!/bin/sh\n");
  ::chmod((dir / "notify").c_str(), 0755);
  auto ok = StartupChecks(options);
  EXPECT_TRUE(ok.ok()) << ok.error();
  fs::remove_all(dir);
}

TEST(AlertsConfigTest, TheExampleConfigShowsEveryKey) {
  auto c =
      LoadConfig(fs::path(LOA_SAMPLES_DIR "/../../config/loa.example.json").lexically_normal());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_FALSE(c->alerts.command.empty());
  EXPECT_EQ(c->alerts.command_timeout, 30s);
  ASSERT_TRUE(c->alerts.webhook.has_value());
  EXPECT_EQ(c->alerts.webhook->secret_file, "alert-secret");
  EXPECT_EQ(c->alerts.token_warning, std::chrono::days(7));
}

}  // namespace
}  // namespace loa
