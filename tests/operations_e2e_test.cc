// Operations end to end: the real `loa daemon` binary (LOA_BINARY) with its
// control server on a free loopback port, fed through its inbox, and the
// real `loa status`, `queue`, `show`, `retry`, `cancel`, `reschedule` and
// `resolve` commands run as child processes with the same --config, as an
// operator runs them (docs/control-api.md, README "Command line for
// operators"). The store holds items scheduled on file channels, one
// published, one a webhook refused for good and one whose Facebook answer a
// proxy dropped after the post was made (uncertain).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/time.h"
#include "tests/fakes/fake_facebook.h"
#include "tests/fakes/fake_webhook.h"
#include "tests/fault_proxy.h"
#include "tests/loa_process.h"
#include "tests/prometheus_text.h"
#include "tests/test_files.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fakes::DaemonCommand;
using fakes::FaultProxy;
using fakes::LoaCommand;
using fakes::LoaProcess;
using fakes::PollUntil;
using fakes::ReadText;
using fakes::WriteSecret;
using fakes::WriteText;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kWebhookSecret = "ops-webhook-secret-8e21";
constexpr const char* kFbPage = "104857600123456";
constexpr const char* kFbToken = "EAAops-page-token-3b7c";
constexpr const char* kFbAppSecret = "ops-app-secret-c4d2";
const TimeZone kZone = std::chrono::hours(7);

// The items, by what becomes of them.
const std::string kPublished = "tin-da-dang";        // portal, due now
const std::string kRefused = "tin-bi-tu-choi";       // cchc, refused for good (422)
const std::string kUncertain = "tin-chua-ro";        // facebook, answer dropped
const std::string kSoon = "lich-tiep-cong-dan";      // portal + bulletin, in 2 days
const std::string kLater = "hoi-nghi-tong-ket-nam";  // portal, in 3 days

// What an operator sees: "2026-12-03 08:00" in the configured zone
// (daemon/tables.h ShowTime).
std::string Shown(TimePoint t) {
  std::string local = FormatLocal(t, kZone);
  return local.substr(0, 10) + " " + local.substr(11, 5);
}

// The whitespace-separated words of the first line of `text` that starts
// with `first` followed by a space; none when there is no such line.
std::vector<std::string> RowOf(const std::string& text, const std::string& first) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(first + " ")) continue;
    std::istringstream words(line);
    std::vector<std::string> out;
    for (std::string w; words >> w;) out.push_back(w);
    return out;
  }
  return {};
}

size_t CountLinesWith(const std::string& text, const std::vector<std::string>& needles) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& needle : needles) all = all && line.find(needle) != std::string::npos;
    n += all;
  }
  return n;
}

// One run of a `loa` subcommand: its exit code, stdout and stderr.
struct CliRun {
  int code = -1;
  std::string out, err;
};

class OperationsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fakes::MakeTempDir("ops-e2e-test");
    ASSERT_FALSE(dir_.empty());
    WriteSecret(dir_ / "cchc.secret", std::string(kWebhookSecret) + "\n");
    WriteSecret(dir_ / "facebook-page-token", std::string(kFbToken) + "\n");
    WriteSecret(dir_ / "facebook-app-secret", std::string(kFbAppSecret) + "\n");
    // The Page's post is made, and its answer never reaches loa: the
    // create is uncertain. Reads (the token check at start) pass.
    fb_proxy_ = std::make_unique<FaultProxy>(
        fakes::PortOf(facebook_.graph_base_url()),
        [](const std::string& method, const std::string& path) {
          FaultProxy::Plan plan;
          plan.drop_answer = method == "POST" && path.find("/feed") != std::string::npos;
          return plan;
        });
    ASSERT_NO_FATAL_FAILURE(StartDaemon());
    ASSERT_NO_FATAL_FAILURE(Seed());
  }

  void TearDown() override {
    if (daemon_) {
      EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->Log();
      // The token never shows in loa's own log.
      EXPECT_THAT(daemon_->Log(), Not(HasSubstr(token_)));
      daemon_.reset();
    }
    fs::remove_all(dir_);
  }

  json Config(int port) const {
    return {
        {"timezone", "+07:00"},
        {"state_dir", "var/state"},
        {"inbox", "var/inbox"},
        {"log_dir", "var/log"},
        {"settle_time", "200ms"},
        {"rescan_interval", "1s"},
        {"shutdown_timeout", "5s"},
        {"control", {{"listen", "127.0.0.1:" + std::to_string(port)}}},
        {"channels",
         {{"portal", {{"type", "file"}, {"dir", "var/outbox/portal"}}},
          {"bulletin", {{"type", "file"}, {"dir", "var/outbox/bulletin"}}},
          {"cchc", {{"type", "webhook"}, {"url", webhook_.url()}, {"secret_file", "cchc.secret"}}},
          {"facebook",
           {{"type", "facebook"},
            {"page_id", kFbPage},
            {"graph_base_url", fb_proxy_->base_url() + "/v21.0"},
            {"page_token_file", "facebook-page-token"},
            {"app_secret_file", "facebook-app-secret"}}}}}};
  }

  // On a port the kernel just gave out; another test may take it before
  // loa listens, and then loa stops at start naming it: a new port then.
  void StartDaemon() {
    for (int round = 0; round < 5; ++round) {
      port_ = fakes::FreePort();
      ASSERT_NE(port_, 0);
      config_json_ = Config(port_);
      config_ = dir_ / "loa.json";
      WriteText(config_, "// written by operations_e2e_test\n" + config_json_.dump(2));
      daemon_ = std::make_unique<LoaProcess>(DaemonCommand(
          LOA_BINARY, dir_, config_, dir_ / ("daemon-" + std::to_string(round) + ".log")));
      if (daemon_->WaitReady()) {
        token_ = ReadText(dir_ / "var" / "state" / "control-token");
        ASSERT_EQ(token_.size(), 64u);
        api_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
        api_->set_read_timeout(std::chrono::seconds(10));
        return;
      }
      const std::string log = daemon_->Log();
      daemon_->Kill();
      daemon_.reset();
      ASSERT_THAT(log, HasSubstr("cannot listen")) << log;
    }
    FAIL() << "no free port in 5 rounds";
  }

  void Drop(const std::string& id, const json& fields) {
    json item = {{"id", id},
                 {"title", "Thông báo " + id},
                 {"body", "Nội dung của **" + id + "**."},
                 {"form", "announcement"},
                 {"approved_by", "Chánh Văn phòng"}};
    item.update(fields);
    fs::path staging = dir_ / "staging" / (id + ".json");
    fs::create_directories(staging.parent_path());
    WriteText(staging, item.dump(2));
    fs::rename(staging, dir_ / "var" / "inbox" / (id + ".json"));
  }

  void Seed() {
    // Whole minutes, as `loa queue` shows them.
    const TimePoint now = SystemClock().Now();
    soon_ = std::chrono::floor<std::chrono::minutes>(now + std::chrono::days(2));
    later_ = std::chrono::floor<std::chrono::minutes>(now + std::chrono::days(3));
    webhook_.FailNext(1, 422);
    Drop(kPublished, {{"channels", {"portal"}}});
    Drop(kRefused, {{"channels", {"cchc"}}});
    Drop(kUncertain, {{"channels", {"facebook"}}});
    Drop(kSoon, {{"channels", {"portal", "bulletin"}}, {"publish_at", FormatLocal(soon_, kZone)}});
    Drop(kLater, {{"channels", {"portal"}}, {"publish_at", FormatLocal(later_, kZone)}});
    const std::map<std::string, std::map<std::string, int>> settled = {
        {"portal", {{"scheduled", 2}, {"published", 1}}},
        {"bulletin", {{"scheduled", 1}}},
        {"cchc", {{"failed", 1}}},
        {"facebook", {{"uncertain", 1}}}};
    ASSERT_TRUE(PollUntil([&] { return QueueCounts() == settled; })) << daemon_->Log();
  }

  // Per channel, the states with deliveries in them, from /api/status.
  std::map<std::string, std::map<std::string, int>> QueueCounts() {
    std::map<std::string, std::map<std::string, int>> counts;
    json status = Get("/api/status");
    if (!status.contains("channels")) return counts;
    for (const auto& c : status["channels"]) {
      for (const auto& [state, n] : c["queue"].items()) {
        if (n.get<int>() > 0) counts[c["name"]][state] = n.get<int>();
      }
    }
    return counts;
  }

  // GET `path` from the daemon's API, as JSON; null when it did not answer 200.
  json Get(const std::string& path) {
    auto r = api_->Get(path);
    if (!r || r->status != 200) return nullptr;
    return json::parse(r->body, nullptr, false);
  }

  CliRun Loa(std::vector<std::string> args, const fs::path& config = {}) {
    args.push_back("--config");
    args.push_back((config.empty() ? config_ : config).string());
    const std::string tag = std::to_string(++runs_);
    LoaCommand command(LOA_BINARY, args, dir_, dir_ / ("cli-" + tag + ".out"));
    command.err = dir_ / ("cli-" + tag + ".err");
    LoaProcess process(command);
    CliRun run;
    run.code = process.Wait();
    run.out = ReadText(command.out);
    run.err = ReadText(command.err);
    // Neither what it prints nor what it complains about holds the token.
    EXPECT_THAT(run.out + run.err, Not(HasSubstr(token_)));
    return run;
  }

  // `loa ARGS --json` against GET `path`: the same object.
  void ExpectJsonIsApi(const std::vector<std::string>& args, const std::string& path) {
    SCOPED_TRACE(path);
    std::vector<std::string> with_json = args;
    with_json.push_back("--json");
    CliRun run = Loa(with_json);
    ASSERT_EQ(run.code, 0) << run.err;
    json printed = json::parse(run.out, nullptr, false);
    json api = Get(path);
    ASSERT_TRUE(printed.is_object()) << run.out;
    ASSERT_TRUE(api.is_object());
    // The status's clock moves on between the two calls; nothing else does.
    if (path == "/api/status") {
      EXPECT_TRUE(printed["now"].is_string());
      printed.erase("now");
      api.erase("now");
    }
    EXPECT_EQ(printed, api);
  }

  std::vector<json> DeliveryLines() {
    std::vector<json> lines;
    std::istringstream in(ReadText(dir_ / "var" / "log" / "deliveries.jsonl"));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(json::parse(line));
    }
    return lines;
  }

  // deliveries.jsonl lines an operator's decision wrote, as "item channel outcome".
  std::vector<std::string> OperatorLines() {
    std::vector<std::string> out;
    for (const json& line : DeliveryLines()) {
      if (line.value("actor", "") == "operator") {
        out.push_back(line["item"].get<std::string>() + " " + line["channel"].get<std::string>() +
                      " " + line["outcome"].get<std::string>());
      }
    }
    return out;
  }

  // The delivery of `item` on `channel` as /api/items/ID shows it, with its
  // attempt_log.
  json DeliveryOf(const std::string& item, const std::string& channel) {
    json shown = Get("/api/items/" + item);
    if (!shown.is_object()) return nullptr;
    for (const auto& d : shown["deliveries"]) {
      if (d["channel"] == channel) return d;
    }
    return nullptr;
  }

  fakes::FakeWebhook webhook_{kWebhookSecret};
  fakes::FakeFacebook facebook_{kFbPage, kFbToken, kFbAppSecret};
  std::unique_ptr<FaultProxy> fb_proxy_;
  fs::path dir_, config_;
  json config_json_;
  int port_ = 0;
  std::string token_ = "(none yet)";
  std::unique_ptr<LoaProcess> daemon_;
  std::unique_ptr<httplib::Client> api_;
  TimePoint soon_{}, later_{};
  int runs_ = 0;
};

TEST_F(OperationsEndToEndTest, ReadCommandsShowTheStoreAsTheApiHasIt) {
  // status: every channel, its queue by state, its last failure.
  CliRun status = Loa({"status"});
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("(+07:00)"));
  // CHANNEL TYPE STATE SCHEDULED SENDING UNCERTAIN FAILED PUBLISHED ...
  auto counts = [&](const std::string& channel) {
    std::vector<std::string> row = RowOf(status.out, channel);
    row.resize(std::min<size_t>(row.size(), 8));
    return row;
  };
  EXPECT_THAT(counts("portal"), ElementsAre("portal", "file", "active", "2", "0", "0", "0", "1"))
      << status.out;
  EXPECT_THAT(counts("bulletin"),
              ElementsAre("bulletin", "file", "active", "1", "0", "0", "0", "0"));
  EXPECT_THAT(counts("cchc"), ElementsAre("cchc", "webhook", "active", "0", "0", "0", "1", "0"));
  EXPECT_THAT(counts("facebook"),
              ElementsAre("facebook", "facebook", "active", "0", "0", "1", "0", "0"));
  // portal's next due is the soon item; its last success is today.
  std::vector<std::string> portal = RowOf(status.out, "portal");
  ASSERT_GE(portal.size(), 12u);
  EXPECT_EQ(portal[8] + " " + portal[9], Shown(soon_));
  EXPECT_NE(portal[10], "-");
  EXPECT_THAT(status.out, HasSubstr("cchc: last failure "));
  EXPECT_THAT(status.out, HasSubstr("422"));
  EXPECT_THAT(status.out, HasSubstr("facebook: last failure "));
  ExpectJsonIsApi({"status"}, "/api/status");

  // queue: without --state, what is not settled, by due time.
  CliRun queue = Loa({"queue"});
  ASSERT_EQ(queue.code, 0) << queue.err;
  EXPECT_THAT(queue.out, HasSubstr("4 deliveries"));
  EXPECT_EQ(CountLinesWith(queue.out, {Shown(soon_), kSoon, "scheduled"}), 2u) << queue.out;
  EXPECT_EQ(CountLinesWith(queue.out, {Shown(later_), "portal", kLater, "scheduled"}), 1u);
  EXPECT_EQ(CountLinesWith(queue.out, {"facebook", "uncertain", kUncertain}), 1u);
  EXPECT_LT(queue.out.find(kUncertain), queue.out.find(kSoon));
  EXPECT_LT(queue.out.find(kSoon), queue.out.find(kLater));
  EXPECT_EQ(queue.out.find(kPublished), std::string::npos);
  EXPECT_EQ(queue.out.find(kRefused), std::string::npos);
  ExpectJsonIsApi({"queue"}, "/api/queue");

  CliRun portal_only = Loa({"queue", "--channel", "portal"});
  EXPECT_THAT(portal_only.out, HasSubstr("2 deliveries"));
  EXPECT_EQ(CountLinesWith(portal_only.out, {"portal"}), 2u) << portal_only.out;
  CliRun failed = Loa({"queue", "--state", "failed"});
  EXPECT_THAT(failed.out, HasSubstr("1 delivery"));
  EXPECT_EQ(CountLinesWith(failed.out, {"cchc", "failed", "1", kRefused}), 1u) << failed.out;
  ExpectJsonIsApi({"queue", "--state", "failed"}, "/api/queue?state=failed");
  CliRun published = Loa({"queue", "--state", "published", "--channel", "portal"});
  EXPECT_EQ(CountLinesWith(published.out, {"portal", "published", kPublished}), 1u)
      << published.out;
  ExpectJsonIsApi({"queue", "--state", "published", "--channel", "portal"},
                  "/api/queue?state=published&channel=portal");
  // --from/--to in the configured zone: from inclusive, to exclusive.
  CliRun from = Loa({"queue", "--from", Shown(later_)});
  EXPECT_THAT(from.out, HasSubstr("1 delivery"));
  EXPECT_EQ(CountLinesWith(from.out, {kLater}), 1u) << from.out;
  CliRun window = Loa({"queue", "--from", Shown(soon_), "--to", Shown(later_)});
  EXPECT_THAT(window.out, HasSubstr("2 deliveries"));
  EXPECT_EQ(CountLinesWith(window.out, {kSoon}), 2u) << window.out;
  CliRun to = Loa({"queue", "--to", Shown(soon_)});
  EXPECT_EQ(CountLinesWith(to.out, {kUncertain}), 1u) << to.out;
  EXPECT_THAT(to.out, HasSubstr("1 delivery"));
  ExpectJsonIsApi(
      {"queue", "--from", Shown(soon_), "--to", Shown(later_)},
      "/api/queue?from=" + httplib::detail::encode_query_param(FormatLocal(soon_, kZone)) +
          "&to=" + httplib::detail::encode_query_param(FormatLocal(later_, kZone)));
  CliRun bad_state = Loa({"queue", "--state", "lost"});
  EXPECT_EQ(bad_state.code, 2) << bad_state.out << bad_state.err;

  // show: the item, its delivery and its one attempt, made by loa.
  CliRun show = Loa({"show", kRefused});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr(kRefused + "  Thông báo " + kRefused));
  EXPECT_THAT(show.out, HasSubstr("channels: cchc"));
  EXPECT_THAT(show.out, HasSubstr("approved by: Chánh Văn phòng"));
  EXPECT_EQ(CountLinesWith(show.out, {"cchc", "publish", "failed", "422", " loa "}), 1u)
      << show.out;
  ExpectJsonIsApi({"show", kRefused}, "/api/items/" + kRefused);
  ExpectJsonIsApi({"show", kSoon}, "/api/items/" + kSoon);
  CliRun missing = Loa({"show", "no-such-item"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("not_found"));

  // /metrics from the running daemon: valid text with the counts.
  auto metrics = api_->Get("/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  std::vector<fakes::Sample> samples;
  std::vector<std::string> problems = fakes::CheckExposition(metrics->body, &samples);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\n" << metrics->body;
  auto attempts = [&](const std::string& channel, const std::string& outcome) {
    return fakes::ValueOf(samples, "loa_attempts_total",
                          {{"channel", channel}, {"action", "publish"}, {"outcome", outcome}});
  };
  EXPECT_EQ(attempts("portal", "published"), 1) << metrics->body;
  EXPECT_EQ(attempts("cchc", "failed"), 1);
  EXPECT_EQ(attempts("facebook", "uncertain"), 1);
  auto depth = [&](const std::string& channel, const std::string& state) {
    return fakes::ValueOf(samples, "loa_queue_deliveries",
                          {{"channel", channel}, {"state", state}});
  };
  EXPECT_EQ(depth("portal", "published"), 1);
  EXPECT_EQ(depth("portal", "scheduled"), 2);
  EXPECT_EQ(depth("cchc", "failed"), 1);
  EXPECT_EQ(depth("facebook", "uncertain"), 1);
}

TEST_F(OperationsEndToEndTest, ActionsChangeTheStoreAsTheOperatorAndNeedTheToken) {
  // Without the token, or with a wrong one, nothing changes.
  const json queue_before = Get("/api/queue");
  const auto counts_before = QueueCounts();
  const size_t lines_before = DeliveryLines().size();
  auto bare = api_->Post("/api/items/" + kSoon + "/cancel", "{}", "application/json");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->status, 401);
  EXPECT_EQ(bare->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(json::parse(bare->body, nullptr, false)["error"]["code"], "unauthorized");
  httplib::Headers wrong = {{"Authorization", "Bearer " + std::string(64, 'f')}};
  auto forged = api_->Post("/api/items/" + kRefused + "/retry", wrong, "{}", "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  // The CLI with a config naming another token file: refused by the daemon.
  WriteSecret(dir_ / "wrong-token", std::string(64, 'a') + "\n");
  json other = config_json_;
  other["control"]["token_file"] = "wrong-token";
  WriteText(dir_ / "wrong.json", other.dump());
  CliRun refused = Loa({"cancel", kSoon}, dir_ / "wrong.json");
  EXPECT_EQ(refused.code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("401"));
  EXPECT_THAT(refused.err, Not(HasSubstr(std::string(64, 'a'))));
  // ... and naming a token file it cannot read: nothing is sent.
  other["control"]["token_file"] = "no-such-token";
  WriteText(dir_ / "unreadable.json", other.dump());
  CliRun no_token = Loa({"retry", kRefused}, dir_ / "unreadable.json");
  EXPECT_EQ(no_token.code, 2) << no_token.out << no_token.err;
  EXPECT_THAT(no_token.err, HasSubstr("cannot read the control token"));
  // A read needs no token on loopback, whatever the config says.
  EXPECT_EQ(Loa({"queue"}, dir_ / "unreadable.json").code, 0);
  EXPECT_EQ(Get("/api/queue"), queue_before);
  EXPECT_EQ(QueueCounts(), counts_before);
  EXPECT_EQ(DeliveryLines().size(), lines_before);
  EXPECT_THAT(OperatorLines(), ::testing::IsEmpty());
  EXPECT_THAT(daemon_->Log(), HasSubstr("control: refused POST"));

  // retry: the webhook takes it now; the refused item is published.
  CliRun retry = Loa({"retry", kRefused});
  ASSERT_EQ(retry.code, 0) << retry.err;
  EXPECT_THAT(retry.out, HasSubstr("cchc: scheduled, due "));
  ASSERT_TRUE(PollUntil([&] { return DeliveryOf(kRefused, "cchc")["state"] == "published"; }))
      << daemon_->Log();
  ASSERT_EQ(webhook_.deliveries().size(), 1u);
  EXPECT_EQ(webhook_.deliveries()[0].idempotency_key, kRefused + ":cchc");
  CliRun shown = Loa({"show", kRefused});
  EXPECT_EQ(CountLinesWith(shown.out, {"cchc", "failed", " loa "}), 1u) << shown.out;
  EXPECT_EQ(
      CountLinesWith(shown.out, {"cchc", "retry", " operator ", "retry asked by the operator"}), 1u)
      << shown.out;
  EXPECT_EQ(CountLinesWith(shown.out, {"cchc", "published", " loa "}), 1u) << shown.out;
  json log_rows = DeliveryOf(kRefused, "cchc")["attempt_log"];
  ASSERT_EQ(log_rows.size(), 3u) << log_rows.dump(2);
  EXPECT_EQ(log_rows[1]["actor"], "operator");

  // cancel: one channel of the soon item; its other delivery stays.
  CliRun cancel = Loa({"cancel", kSoon, "bulletin"});
  ASSERT_EQ(cancel.code, 0) << cancel.err;
  EXPECT_THAT(cancel.out, HasSubstr("bulletin: cancelled"));
  EXPECT_EQ(DeliveryOf(kSoon, "bulletin")["state"], "cancelled");
  EXPECT_EQ(DeliveryOf(kSoon, "portal")["state"], "scheduled");
  CliRun shown_soon = Loa({"show", kSoon});
  EXPECT_EQ(CountLinesWith(shown_soon.out, {"bulletin", "cancelled", " operator "}), 1u)
      << shown_soon.out;
  CliRun again = Loa({"cancel", kSoon, "bulletin"});
  EXPECT_EQ(again.code, 1);
  EXPECT_THAT(again.err, HasSubstr("invalid_state"));

  // reschedule: the later item two days later still; `loa queue` shows the
  // new time in the configured zone.
  const TimePoint moved = later_ + std::chrono::days(2) + 90min;
  CliRun reschedule = Loa({"reschedule", kLater, Shown(moved)});
  ASSERT_EQ(reschedule.code, 0) << reschedule.err;
  EXPECT_THAT(reschedule.out, HasSubstr("portal: scheduled, due " + Shown(moved)));
  CliRun queue = Loa({"queue", "--channel", "portal"});
  EXPECT_EQ(CountLinesWith(queue.out, {Shown(moved), "portal", "scheduled", kLater}), 1u)
      << queue.out;
  EXPECT_EQ(queue.out.find(Shown(later_)), std::string::npos) << queue.out;
  EXPECT_EQ(DeliveryOf(kLater, "portal")["due_at"], FormatLocal(moved, kZone));
  CliRun shown_later = Loa({"show", kLater});
  EXPECT_EQ(CountLinesWith(shown_later.out,
                           {"portal", "retry", " operator ", "rescheduled by the operator"}),
            1u)
      << shown_later.out;

  // resolve: the Page has the post whose answer was lost; the operator
  // found it and says where.
  ASSERT_EQ(facebook_.posts().size(), 1u);
  const std::string post = facebook_.posts()[0].id;
  const std::string url = "https://www.facebook.com/" + std::string(kFbPage) + "/posts/" +
                          post.substr(post.find('_') + 1) + "/";
  CliRun resolve = Loa({"resolve", kUncertain, "facebook", "--published", url});
  ASSERT_EQ(resolve.code, 0) << resolve.err;
  EXPECT_THAT(resolve.out, HasSubstr("facebook: published, " + url));
  json resolved = DeliveryOf(kUncertain, "facebook");
  EXPECT_EQ(resolved["state"], "published");
  EXPECT_EQ(resolved["url"], url);
  CliRun shown_fb = Loa({"show", kUncertain});
  EXPECT_EQ(CountLinesWith(shown_fb.out, {"facebook", "uncertain", " loa "}), 1u) << shown_fb.out;
  EXPECT_EQ(CountLinesWith(shown_fb.out, {"facebook", "published", " operator ", url}), 1u)
      << shown_fb.out;
  EXPECT_EQ(facebook_.posts().size(), 1u);  // never posted twice

  // One deliveries.jsonl line per decision, marked as the operator's.
  std::vector<std::string> decisions = OperatorLines();
  std::sort(decisions.begin(), decisions.end());
  ASSERT_EQ(decisions.size(), 4u) << ::testing::PrintToString(decisions);
  EXPECT_THAT(decisions[0], HasSubstr(kLater + " portal "));
  EXPECT_THAT(decisions[1], HasSubstr(kSoon + " bulletin "));
  EXPECT_THAT(decisions[2], HasSubstr(kRefused + " cchc "));
  EXPECT_EQ(decisions[3], kUncertain + " facebook published");

  CliRun status = Loa({"status"});
  auto row = RowOf(status.out, "cchc");
  ASSERT_GE(row.size(), 8u) << status.out;
  EXPECT_EQ(row[7], "1");  // published
  EXPECT_EQ(row[6], "0");  // failed
  // What the channels did, not what the operator decided: cchc's last
  // failure is still the 422, and portal (only moved by the operator) has none.
  EXPECT_THAT(status.out, HasSubstr("cchc: last failure "));
  EXPECT_EQ(CountLinesWith(status.out, {"cchc: last failure ", "422"}), 1u) << status.out;
  EXPECT_THAT(status.out, Not(HasSubstr("portal: last failure")));
  EXPECT_THAT(status.out, Not(HasSubstr("by the operator")));
  EXPECT_THAT(daemon_->Log(), HasSubstr("control: operator retry of item \"" + kRefused + "\""));
}

}  // namespace
}  // namespace loa
