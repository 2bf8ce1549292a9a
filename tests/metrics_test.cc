// /metrics (daemon/metrics.h): the text passes a Prometheus text-format
// 0.0.4 check (tests/prometheus_text.h: line grammar, names, label escaping, one TYPE
// per family, cumulative histogram buckets ending in +Inf = _count), with
// hostile channel and error text; counters follow the engine's events;
// gauges are what the caller passed; the store's QueueDepths counts by
// channel and state.
#include "daemon/metrics.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/registry.h"
#include "daemon/daemon.h"
#include "queue/sqlite_store.h"
#include "queue/token_store.h"
#include "tests/loa_process.h"
#include "tests/prometheus_text.h"
#include "tests/test_files.h"

namespace loa {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using fakes::CheckExposition;
using fakes::Sample;
using fakes::ValueOf;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const TimePoint kT0 = FromUnixMillis(1'796'000'000'000);

EngineEvent Attempt(const std::string& channel, AttemptOutcome outcome, Millis late,
                    const std::string& error = "", AttemptAction action = AttemptAction::kPublish) {
  EngineEvent e;
  e.kind = EngineEvent::Kind::kAttempt;
  e.channel = channel;
  e.delivery.channel = channel;
  e.delivery.post_id = "item";
  e.delivery.due_at = kT0;
  e.record.action = action;
  e.record.outcome = outcome;
  e.record.started_at = kT0 + late - 100ms;
  e.record.ended_at = kT0 + late;
  e.record.error = error;
  return e;
}

// ---- The checker itself fails on bad text ------------------------------------

TEST(MetricsFormatCheck, RefusesWhatIsNotTheTextFormat) {
  std::vector<std::string> good = {"# HELP a_total A.", "# TYPE a_total counter",
                                   "a_total{x=\"q\\\"\\\\\\n\"} 1"};
  EXPECT_TRUE(CheckExposition(Join(good), nullptr).empty());
  EXPECT_FALSE(CheckExposition(Join({"# TYPE a counter", "a{x=\"q\"\"} 1"}), nullptr).empty());
  EXPECT_FALSE(CheckExposition(Join({"# TYPE a counter", "a{x=\"\\t\"} 1"}), nullptr).empty());
  EXPECT_FALSE(
      CheckExposition(Join({"# TYPE a counter", "# TYPE a gauge", "a 1"}), nullptr).empty());
  EXPECT_FALSE(CheckExposition(Join({"b 1"}), nullptr).empty());
  EXPECT_FALSE(CheckExposition(Join({"# TYPE 1a gauge", "1a 1"}), nullptr).empty());
  EXPECT_FALSE(
      CheckExposition(Join({"# TYPE h histogram", "h_bucket{le=\"1\"} 2", "h_bucket{le=\"2\"} 1",
                            "h_bucket{le=\"+Inf\"} 2", "h_count 2", "h_sum 1"}),
                      nullptr)
          .empty());
  EXPECT_FALSE(
      CheckExposition(
          Join({"# TYPE h histogram", "h_bucket{le=\"+Inf\"} 2", "h_count 3", "h_sum 1"}), nullptr)
          .empty());
}

// ---- Metrics ---------------------------------------------------------------

TEST(MetricsTest, HostileChannelAndErrorTextStayValid) {
  const std::string hostile = "x\"} 1\nloa_up 0\n# TYPE evil gauge\\\n";
  Metrics m;
  m.OnEvent(Attempt(hostile, AttemptOutcome::kPublished, 2s));
  m.OnEvent(Attempt(hostile, AttemptOutcome::kFailed, 3s, "HTTP 500: \"}\n\\ bad\xff"));
  MetricsGauges g;
  g.now = kT0;
  g.channels = {hostile, "portal"};
  g.queue[hostile][DeliveryState::kScheduled] = 3;
  g.paused = {hostile};
  g.credential_expiry[hostile] = kT0 + 90s;
  const std::string text = m.Render(g);
  std::vector<Sample> samples;
  std::vector<std::string> problems = CheckExposition(text, &samples);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\n" << text;
  // The name came back whole, not split into forged lines.
  EXPECT_EQ(ValueOf(samples, "loa_channel_paused", {{"channel", hostile}}), 1);
  EXPECT_EQ(
      ValueOf(samples, "loa_queue_deliveries", {{"channel", hostile}, {"state", "scheduled"}}), 3);
  EXPECT_EQ(ValueOf(samples, "loa_credential_expiry_seconds", {{"channel", hostile}}), 90);
  EXPECT_EQ(ValueOf(samples, "loa_up", {}), 1);
  EXPECT_EQ(fakes::Count(text, "\nloa_up "), 1u);
  EXPECT_EQ(fakes::Count(text, "\n# TYPE evil"), 0u);  // inside a label value only
}

TEST(MetricsTest, CountersAndLatenessFollowEvents) {
  Metrics m;
  MetricsGauges g;
  g.now = kT0;
  g.channels = {"portal", "zalo"};
  std::vector<Sample> before;
  ASSERT_TRUE(CheckExposition(m.Render(g), &before).empty());
  EXPECT_TRUE(std::isnan(
      ValueOf(before, "loa_attempts_total",
              {{"channel", "portal"}, {"action", "publish"}, {"outcome", "published"}})));

  m.OnEvent(Attempt("portal", AttemptOutcome::kPublished, 500ms));
  m.OnEvent(Attempt("portal", AttemptOutcome::kPublished, 120s));
  m.OnEvent(Attempt("portal", AttemptOutcome::kRetry, 1s));
  m.OnEvent(Attempt("zalo", AttemptOutcome::kFailed, 1s, "x", AttemptAction::kRetract));
  EngineEvent paused;
  paused.kind = EngineEvent::Kind::kChannelPaused;
  paused.channel = "zalo";
  m.OnEvent(paused);  // not an attempt: counts nothing

  std::vector<Sample> s;
  std::vector<std::string> problems = CheckExposition(m.Render(g), &s);
  ASSERT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  EXPECT_EQ(ValueOf(s, "loa_attempts_total",
                    {{"channel", "portal"}, {"action", "publish"}, {"outcome", "published"}}),
            2);
  EXPECT_EQ(ValueOf(s, "loa_attempts_total",
                    {{"channel", "portal"}, {"action", "publish"}, {"outcome", "retry"}}),
            1);
  EXPECT_EQ(ValueOf(s, "loa_attempts_total",
                    {{"channel", "zalo"}, {"action", "retract"}, {"outcome", "failed"}}),
            1);
  EXPECT_EQ(
      ValueOf(s, "loa_publish_lateness_seconds_bucket", {{"channel", "portal"}, {"le", "0.1"}}), 0);
  EXPECT_EQ(ValueOf(s, "loa_publish_lateness_seconds_bucket", {{"channel", "portal"}, {"le", "1"}}),
            1);
  EXPECT_EQ(
      ValueOf(s, "loa_publish_lateness_seconds_bucket", {{"channel", "portal"}, {"le", "60"}}), 1);
  EXPECT_EQ(
      ValueOf(s, "loa_publish_lateness_seconds_bucket", {{"channel", "portal"}, {"le", "300"}}), 2);
  EXPECT_EQ(ValueOf(s, "loa_publish_lateness_seconds_count", {{"channel", "portal"}}), 2);
  EXPECT_DOUBLE_EQ(ValueOf(s, "loa_publish_lateness_seconds_sum", {{"channel", "portal"}}), 120.5);
  EXPECT_EQ(ValueOf(s, "loa_last_success_timestamp_seconds", {{"channel", "portal"}}),
            static_cast<double>(ToUnixMillis(kT0 + 120s)) / 1000);
  // A channel with no success has no last-success series, and no histogram.
  EXPECT_TRUE(std::isnan(ValueOf(s, "loa_last_success_timestamp_seconds", {{"channel", "zalo"}})));
}

// An operator's rows are rows of deliveries.jsonl, so they are counted; a
// resolve to `published` is no publication at the time of the decision, so
// it moves neither the lateness nor the last success.
TEST(MetricsTest, AnOperatorsResolveCountsButIsNoPublicationTime) {
  Metrics m;
  MetricsGauges g;
  g.channels = {"portal"};
  m.OnEvent(Attempt("portal", AttemptOutcome::kPublished, 2s));
  EngineEvent resolve = Attempt("portal", AttemptOutcome::kPublished, 3h);
  resolve.record.actor = Actor::kOperator;
  m.OnEvent(resolve);
  std::vector<Sample> s;
  ASSERT_TRUE(CheckExposition(m.Render(g), &s).empty());
  EXPECT_EQ(ValueOf(s, "loa_attempts_total",
                    {{"channel", "portal"}, {"action", "publish"}, {"outcome", "published"}}),
            2);
  EXPECT_EQ(ValueOf(s, "loa_publish_lateness_seconds_count", {{"channel", "portal"}}), 1);
  EXPECT_DOUBLE_EQ(ValueOf(s, "loa_publish_lateness_seconds_sum", {{"channel", "portal"}}), 2);
  EXPECT_EQ(ValueOf(s, "loa_last_success_timestamp_seconds", {{"channel", "portal"}}),
            static_cast<double>(ToUnixMillis(kT0 + 2s)) / 1000);
}

TEST(MetricsTest, GaugesAreWhatTheCallerPassed) {
  Metrics m;
  MetricsGauges g;
  g.now = kT0;
  g.channels = {"facebook", "portal"};
  g.queue["portal"][DeliveryState::kPublished] = 10;
  g.queue["portal"][DeliveryState::kUncertain] = 1;
  g.paused = {"facebook"};
  g.in_flight = 2;
  g.held_outcomes = 1;
  g.credential_expiry["zalo"] = kT0 - 1h;  // already expired
  std::vector<Sample> s;
  ASSERT_TRUE(CheckExposition(m.Render(g), &s).empty());
  EXPECT_EQ(ValueOf(s, "loa_in_flight", {}), 2);
  EXPECT_EQ(ValueOf(s, "loa_held_outcomes", {}), 1);
  EXPECT_EQ(ValueOf(s, "loa_channel_paused", {{"channel", "facebook"}}), 1);
  EXPECT_EQ(ValueOf(s, "loa_channel_paused", {{"channel", "portal"}}), 0);
  EXPECT_EQ(ValueOf(s, "loa_queue_deliveries", {{"channel", "portal"}, {"state", "published"}}),
            10);
  EXPECT_EQ(ValueOf(s, "loa_queue_deliveries", {{"channel", "portal"}, {"state", "uncertain"}}), 1);
  // Every state of every channel is there, 0 when none.
  EXPECT_EQ(ValueOf(s, "loa_queue_deliveries", {{"channel", "facebook"}, {"state", "failed"}}), 0);
  EXPECT_EQ(ValueOf(s, "loa_credential_expiry_seconds", {{"channel", "zalo"}}), -3600);
  EXPECT_TRUE(std::isnan(ValueOf(s, "loa_credential_expiry_seconds", {{"channel", "portal"}})));

  // A store that could not be read: no queue series rather than zeros.
  g.queue_known = false;
  ASSERT_TRUE(CheckExposition(m.Render(g), &s).empty());
  EXPECT_TRUE(std::isnan(
      ValueOf(s, "loa_queue_deliveries", {{"channel", "portal"}, {"state", "published"}})));
}

TEST(MetricsTest, EscapeLabelValue) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue("Sở Tư pháp"), "Sở Tư pháp");
}

// ---- The store's read --------------------------------------------------------

TEST(MetricsTest, QueueDepthsCountByChannelAndState) {
  const fs::path dir = fakes::MakeTempDir("metrics");
  ASSERT_FALSE(dir.empty());
  auto store = SqliteStore::Open(dir / "loa.db");
  ASSERT_TRUE(store.ok()) << store.error();
  for (const char* id : {"a", "b"}) {
    Item item;
    item.id = id;
    item.title = "Tiêu đề";
    item.body_markdown = "Nội dung.";
    item.publish_at = kT0;
    item.channels = {"portal", "facebook"};
    item.form = "news";
    item.approved_by = "Nguyễn Văn A";
    ASSERT_TRUE((*store)->UpsertPost(item, kT0).ok());
  }
  auto sending = (*store)->NextScheduled("portal");
  ASSERT_TRUE(sending.ok() && sending->has_value());
  ASSERT_TRUE((*store)->BeginAttempt((*sending)->id, kT0).ok());
  auto depths = (*store)->QueueDepths();
  ASSERT_TRUE(depths.ok()) << depths.error();
  std::map<std::string, std::map<DeliveryState, int64_t>> want = {
      {"facebook", {{DeliveryState::kScheduled, 2}}},
      {"portal", {{DeliveryState::kScheduled, 1}, {DeliveryState::kSending, 1}}}};
  EXPECT_EQ(*depths, want);
  store->reset();
  fs::remove_all(dir);
}

// ---- Wired into the daemon ---------------------------------------------------

// Runs the io_context until `done` holds or 10 s of real time pass.
bool RunUntil(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(5ms);
  }
  return true;
}

// A real daemon on file channels: an item published moves the counters and
// the queue gauge, and a rejected item reaches the alert command.
TEST(MetricsDaemonTest, MetricsAndAlertsFollowTheDaemon) {
  const fs::path dir = fakes::MakeTempDir("metrics-daemon");
  ASSERT_FALSE(dir.empty());
  fakes::WriteText(dir / "notify", "#!/bin/sh\ncat >> \"$1\"\necho >> \"$1\"\n");
  ::chmod((dir / "notify").c_str(), 0700);
  auto config = ParseConfig(R"({"state_dir": "state", "inbox": "inbox", "log_dir": "log",
      "settle_time": "0s",
      "channels": {"portal": {"type": "file", "dir": "out/portal"},
                   "cchc": {"type": "file", "dir": "out/cchc"},
                   "zalo": {"type": "zalo", "app_id": "1", "secret_key_file": "zalo-key",
                            "refresh_token_file": "zalo-refresh", "author": "Sở Tư pháp",
                            "cover_url": "https://a.example/c.jpg"}},
      "alerts": {"command": [")" +
                                (dir / "notify").string() + R"(", ")" +
                                (dir / "alerts.out").string() + R"("]}})",
                            dir);
  ASSERT_TRUE(config.ok()) << config.error();
  ManualClock clock(FromUnixMillis(1'796'000'000'000));
  TestEnv env(clock);
  ASSERT_TRUE(CreateFolders(*config).ok());
  ::unsetenv("CREDENTIALS_DIRECTORY");
  fakes::WriteSecret(dir / "zalo-key", "k");
  fakes::WriteSecret(dir / "zalo-refresh", "r");
  // The Zalo grant was last renewed 85 days ago: 5 days are left.
  auto tokens = TokenStore::Open(config->DatabasePath());
  ASSERT_TRUE(tokens.ok()) << tokens.error();
  TokenPair pair{"access", "refresh", clock.Now() - std::chrono::days(84),
                 clock.Now() - std::chrono::days(85)};
  ASSERT_TRUE((*tokens)->Save("zalo", pair).ok());
  auto connectors = BuildConnectors(*config, tokens->get(), clock);
  ASSERT_TRUE(connectors.ok()) << connectors.error();
  asio::io_context io;
  auto daemon = Daemon::Open(io, *config, env, std::move(connectors).value());
  ASSERT_TRUE(daemon.ok()) << daemon.error();
  Daemon& d = **daemon;
  d.SetTokenVault(tokens->get());
  ASSERT_TRUE(d.Start().ok());  // looks at the credentials at once

  fakes::WriteText(dir / "inbox" / "tin.json",
                   R"({"id": "tin", "title": "Tiêu đề", "body": "Nội dung.", "form": "news",
                       "approved_by": "Nguyễn Văn A", "channels": ["portal", "cchc"]})");
  fakes::WriteText(dir / "inbox" / "hong.json", "{");
  std::vector<Sample> s;
  auto published = [&](const std::string& channel) {
    return ValueOf(s, "loa_attempts_total",
                   {{"channel", channel}, {"action", "publish"}, {"outcome", "published"}}) == 1;
  };
  ASSERT_TRUE(RunUntil(io, [&] {
    s.clear();
    return CheckExposition(d.MetricsText(), &s).empty() && published("portal") && published("cchc");
  })) << d.MetricsText();
  EXPECT_EQ(ValueOf(s, "loa_queue_deliveries", {{"channel", "portal"}, {"state", "published"}}), 1);
  EXPECT_EQ(ValueOf(s, "loa_queue_deliveries", {{"channel", "cchc"}, {"state", "scheduled"}}), 0);
  EXPECT_EQ(ValueOf(s, "loa_channel_paused", {{"channel", "portal"}}), 0);
  EXPECT_EQ(ValueOf(s, "loa_publish_lateness_seconds_count", {{"channel", "portal"}}), 1);
  EXPECT_EQ(ValueOf(s, "loa_credential_expiry_seconds", {{"channel", "zalo"}}), 5 * 86400);
  EXPECT_EQ(d.CredentialExpiries().at("zalo"), clock.Now() + std::chrono::days(5));

  // The rejection and the expiring grant reached the command (on the
  // alerts' own thread).
  ASSERT_TRUE(fakes::PollUntil(
      [&] { return fakes::Count(fakes::ReadText(dir / "alerts.out"), "\"event\":") == 2; }, 10s))
      << fakes::ReadText(dir / "alerts.out");
  const std::string alerts = fakes::ReadText(dir / "alerts.out");
  EXPECT_EQ(fakes::Count(alerts, "\"event\":\"item_rejected\""), 1u) << alerts;
  EXPECT_EQ(fakes::Count(alerts, "\"event\":\"token_expiring\""), 1u) << alerts;
  bool stopped = false;
  d.Stop([&] { stopped = true; });
  ASSERT_TRUE(RunUntil(io, [&] { return stopped; }));
  daemon->reset();
  tokens->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace loa
