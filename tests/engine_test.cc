#include "queue/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/connector.h"
#include "queue/delivery_log.h"
#include "queue/store.h"

namespace loa {
namespace {

using namespace std::chrono;
using nlohmann::json;

const ZoneOffset kZone = hours(7);

TimePoint Local(const char* text) {
  auto t = ParseTime(text, kZone);
  EXPECT_TRUE(t.ok()) << text;
  return *t;
}

fs::path MakeTempDir() {
  std::string pattern = (fs::temp_directory_path() / "loa-engine-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return fs::path(pattern);
}

// What the scripted connector was asked to do.
struct Call {
  std::string item;
  std::string channel;
  int attempt = 0;
  bool reconcile = false;
  std::string media_dir;
  bool retract = false;
  std::string remote_id;  // of a takedown
};

// The programmed behaviour of one channel's test connector. Shared between
// the test thread and the channel's worker thread.
class Script {
 public:
  // Publish answers, in order; once they run out every call is published.
  void Push(Outcome o) {
    std::lock_guard lock(mu_);
    outcomes_.push_back(std::move(o));
  }
  // Takedown answers, in order; once they run out every takedown succeeds.
  void PushRetract(Outcome o) {
    std::lock_guard lock(mu_);
    retract_outcomes_.push_back(std::move(o));
  }
  void SetReconciliation(Reconciliation r) {
    std::lock_guard lock(mu_);
    reconciliation_ = std::move(r);
  }
  // While blocked, calls wait (after being recorded) until Release().
  void Block() {
    std::lock_guard lock(mu_);
    blocked_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      blocked_ = false;
    }
    cv_.notify_all();
  }
  std::vector<Call> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int Publishes() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c.reconcile || c.retract ? 0 : 1;
    return n;
  }
  int Retracts() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c.retract ? 1 : 0;
    return n;
  }
  int Finished() { return finished_.load(); }

  Outcome OnPublish(const PublishRequest& r) {
    std::unique_lock lock(mu_);
    calls_.push_back({r.item->id, r.channel, r.attempt, false, r.media_dir.string(), false, ""});
    cv_.wait(lock, [&] { return !blocked_; });
    Outcome o = Outcome::Published("remote-" + r.item->id,
                                   "https://portal.example.gov.vn/" + r.item->id, 201);
    if (!outcomes_.empty()) {
      o = outcomes_.front();
      outcomes_.pop_front();
    }
    ++finished_;
    return o;
  }
  Outcome OnRetract(const PublishRequest& r, const std::string& remote_id) {
    std::unique_lock lock(mu_);
    calls_.push_back(
        {r.item->id, r.channel, r.attempt, false, r.media_dir.string(), true, remote_id});
    cv_.wait(lock, [&] { return !blocked_; });
    Outcome o = Outcome::Published(remote_id, "", 200);
    if (!retract_outcomes_.empty()) {
      o = retract_outcomes_.front();
      retract_outcomes_.pop_front();
    }
    ++finished_;
    return o;
  }
  Reconciliation OnReconcile(const PublishRequest& r) {
    std::unique_lock lock(mu_);
    calls_.push_back({r.item->id, r.channel, r.attempt, true, r.media_dir.string(), false, ""});
    cv_.wait(lock, [&] { return !blocked_; });
    ++finished_;
    return reconciliation_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Outcome> outcomes_;
  std::deque<Outcome> retract_outcomes_;
  Reconciliation reconciliation_;
  bool blocked_ = false;
  std::vector<Call> calls_;
  std::atomic<int> finished_{0};
};

class ScriptedConnector : public Connector {
 public:
  explicit ScriptedConnector(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  Outcome Publish(const PublishRequest& r) override { return script_->OnPublish(r); }
  Reconciliation Reconcile(const PublishRequest& r) override { return script_->OnReconcile(r); }
  Outcome Retract(const PublishRequest& r, const std::string& remote_id) override {
    return script_->OnRetract(r, remote_id);
  }

 private:
  std::shared_ptr<Script> script_;
};

Item MakeItem(const std::string& id, TimePoint publish_at, std::vector<std::string> channels) {
  Item item;
  item.id = id;
  item.title = "Sở Tư pháp: " + id;
  item.summary = "Tóm tắt.";
  item.body_markdown = "Nội dung **chính** của bài.";
  item.publish_at = publish_at;
  item.channels = std::move(channels);
  item.topics = {"mot-cua"};
  item.form = "news";
  item.unit = "Văn phòng Sở";
  item.approved_by = "Nguyễn Văn A";
  return item;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : clock_(Local("2026-12-01 08:00")) {}

  void SetUp() override {
    dir_ = MakeTempDir();
    config_.config_dir = dir_;
    config_.timezone = kZone;
    config_.state_dir = dir_ / "state";
    config_.inbox = dir_ / "inbox";
    config_.log_dir = dir_ / "log";
    config_.shutdown_timeout = seconds(5);
    fs::create_directories(config_.state_dir);
    fs::create_directories(config_.log_dir);
    auto store = Store::Open(config_.DatabasePath());
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
    auto log = DeliveryLog::Open(config_.DeliveryLogPath());
    ASSERT_TRUE(log.ok()) << log.error();
    log_ = std::move(log).value();
  }

  void TearDown() override {
    for (auto& [name, script] : scripts_) script->Release();
    engine_.reset();
    guard_.reset();
    io_.run_for(milliseconds(10));
    fs::remove_all(dir_);
  }

  ChannelConfig& AddChannel(const std::string& name) {
    ChannelConfig c;
    c.name = name;
    c.type = "file";
    c.settings = FileSettings{dir_ / "outbox" / name};
    c.retry.initial = seconds(30);
    c.retry.max_attempts = 10;
    scripts_[name] = std::make_shared<Script>();
    return config_.channels[name] = c;
  }

  void AddItem(const Item& item) {
    auto r = store_->UpsertPost(item, clock_.Now());
    ASSERT_TRUE(r.ok()) << r.error();
  }

  void StartEngine(std::map<std::string, std::unique_ptr<Connector>> extra = {}) {
    std::map<std::string, std::unique_ptr<Connector>> connectors = std::move(extra);
    for (auto& [name, script] : scripts_) {
      if (!connectors.count(name)) connectors[name] = std::make_unique<ScriptedConnector>(script);
    }
    engine_ = std::make_unique<Engine>(io_, config_, *store_, *log_, clock_, std::move(connectors));
    engine_->Start();
  }

  // Runs the io_context until `done` holds (or a generous deadline passes).
  bool RunUntil(const std::function<bool()>& done, milliseconds timeout = seconds(10)) {
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
      if (steady_clock::now() > deadline) return false;
      io_.run_for(milliseconds(5));
    }
    return true;
  }
  // Lets every handler already posted run.
  void Drain() {
    for (int i = 0; i < 5; ++i) io_.run_for(milliseconds(2));
  }
  void WakeAt(TimePoint t) {
    clock_.Set(t);
    engine_->Wake();
  }

  Delivery Get(const std::string& post_id, const std::string& channel) {
    for (const auto& d : store_->ListDeliveries(post_id)) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery " << post_id << " on " << channel;
    return {};
  }
  DeliveryState State(const std::string& post_id, const std::string& channel) {
    return Get(post_id, channel).state;
  }
  std::function<bool()> StateIs(const std::string& post_id, const std::string& channel,
                                DeliveryState s) {
    return [=, this] { return State(post_id, channel) == s; };
  }

  std::vector<json> LogLines() {
    std::ifstream in(config_.DeliveryLogPath());
    std::vector<json> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(json::parse(line));
    return lines;
  }
  std::vector<json> LogLinesFor(const std::string& item, const std::string& channel) {
    std::vector<json> out;
    for (auto& l : LogLines()) {
      if (l["item"] == item && l["channel"] == channel) out.push_back(l);
    }
    return out;
  }

  // Simulates a crash after `sending` was committed.
  Delivery LeaveSending(const std::string& post_id, const std::string& channel, TimePoint at) {
    auto begun = store_->BeginAttempt(Get(post_id, channel).id, at);
    EXPECT_TRUE(begun.ok()) << begun.error();
    return *begun;
  }

  fs::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  ManualClock clock_;
  Config config_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<DeliveryLog> log_;
  std::map<std::string, std::shared_ptr<Script>> scripts_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, NothingIsSentBeforeItsDueTime) {
  AddChannel("portal");
  AddItem(MakeItem("a", Local("2026-12-01 09:00"), {"portal"}));
  StartEngine();
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 09:00"));

  WakeAt(Local("2026-12-01 09:00") - milliseconds(1));
  EXPECT_EQ(engine_->InFlight(), 0);
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
  EXPECT_EQ(State("a", "portal"), DeliveryState::kScheduled);

  WakeAt(Local("2026-12-01 09:00"));
  // `sending` is committed before the request leaves.
  EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  auto calls = scripts_["portal"]->Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].attempt, 1);
  EXPECT_EQ(calls[0].media_dir, (config_.MediaDir() / "a").string());
  auto d = Get("a", "portal");
  EXPECT_EQ(d.remote_id, "remote-a");
  EXPECT_EQ(d.remote_url, "https://portal.example.gov.vn/a");
  EXPECT_FALSE(engine_->NextWake().has_value());
}

TEST_F(EngineTest, TheRealTimerWakesTheEngine) {
  AddChannel("portal");
  // Due 150 ms after the (manual) now: the steady timer is armed for that.
  AddItem(MakeItem("a", clock_.Now() + milliseconds(150), {"portal"}));
  StartEngine();
  EXPECT_EQ(engine_->NextWake(), clock_.Now() + milliseconds(150));
  clock_.Advance(milliseconds(150));
  // No Wake(): only the timer can start this attempt.
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
}

TEST_F(EngineTest, OverdueAtStartIsSentAtOnce) {
  AddChannel("portal");
  AddItem(MakeItem("late", Local("2026-11-29 08:00"), {"portal"}));  // 2 days late
  StartEngine();
  EXPECT_EQ(engine_->InFlight(), 1);
  ASSERT_TRUE(RunUntil(StateIs("late", "portal", DeliveryState::kPublished)));
  auto lines = LogLinesFor("late", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "published");
}

TEST_F(EngineTest, BeyondMaxLatenessIsMissedNotSent) {
  AddChannel("portal");
  config_.max_lateness = hours(24 * 7);
  AddItem(MakeItem("old", Local("2026-11-20 08:00"), {"portal"}));  // 11 days late
  AddItem(MakeItem("fresh", Local("2026-12-01 07:00"), {"portal"}));
  StartEngine();
  EXPECT_EQ(State("old", "portal"), DeliveryState::kFailed);
  ASSERT_TRUE(RunUntil(StateIs("fresh", "portal", DeliveryState::kPublished)));
  for (const auto& c : scripts_["portal"]->Calls()) EXPECT_NE(c.item, "old");

  auto lines = LogLinesFor("old", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "missed");
  EXPECT_EQ(lines[0]["attempt"], 0);
  EXPECT_EQ(lines[0]["ts"], FormatUtc(clock_.Now()));
  EXPECT_EQ(lines[0]["latency_ms"], 0);
  EXPECT_TRUE(lines[0]["remote_id"].is_null());
  std::string error = lines[0]["error"];
  EXPECT_NE(error.find("missed: due 2026-11-20T01:00:00Z"), std::string::npos) << error;
  EXPECT_NE(error.find("max_lateness"), std::string::npos) << error;
  auto attempts = store_->ListAttempts(Get("old", "portal").id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, "missed");
}

TEST_F(EngineTest, RetriesWithBackoffThenPublishes) {
  AddChannel("portal");
  scripts_["portal"]->Push(
      Outcome::Retry(ErrorClass::kRateLimited, "429 Too Many Requests", 429, seconds(45)));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  auto retried = [&] {
    auto d = Get("a", "portal");
    return d.state == DeliveryState::kScheduled && d.attempts == 1;
  };
  ASSERT_TRUE(RunUntil(retried));
  const TimePoint first_end = clock_.Now();
  auto d = Get("a", "portal");
  ASSERT_TRUE(d.next_attempt_at.has_value());
  // Retry-After (45 s) is above the 30 s jitter cap, so it is the delay.
  EXPECT_EQ(*d.next_attempt_at, first_end + seconds(45));
  EXPECT_EQ(d.last_error, "429 Too Many Requests");
  EXPECT_EQ(engine_->NextWake(), first_end + seconds(45));

  WakeAt(first_end + seconds(44));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  WakeAt(first_end + seconds(45));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));

  auto calls = scripts_["portal"]->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].attempt, 1);
  EXPECT_EQ(calls[1].attempt, 2);
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_EQ(lines[0]["http_status"], 429);
  EXPECT_EQ(lines[0]["error"], "429 Too Many Requests");
  EXPECT_EQ(lines[1]["attempt"], 2);
  EXPECT_EQ(lines[1]["outcome"], "published");
  EXPECT_EQ(lines[1]["ts"], FormatUtc(first_end + seconds(45)));
  auto attempts = store_->ListAttempts(d.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error_class, "rate_limited");
}

TEST_F(EngineTest, BackoffDelayStaysWithinTheJitterCap) {
  AddChannel("portal").retry.initial = seconds(20);
  scripts_["portal"]->Push(Outcome::Retry(ErrorClass::kTransient, "502 Bad Gateway", 502));
  scripts_["portal"]->Push(Outcome::Retry(ErrorClass::kTransient, "502 Bad Gateway", 502));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  auto attempts_are = [&](int n) {
    return [&, n] {
      auto d = Get("a", "portal");
      return d.state == DeliveryState::kScheduled && d.attempts == n;
    };
  };
  ASSERT_TRUE(RunUntil(attempts_are(1)));
  TimePoint end1 = clock_.Now();
  auto next1 = *Get("a", "portal").next_attempt_at;
  EXPECT_GE(next1, end1);
  EXPECT_LE(next1, end1 + seconds(20));
  WakeAt(next1);
  ASSERT_TRUE(RunUntil(attempts_are(2)));
  TimePoint end2 = clock_.Now();
  auto next2 = *Get("a", "portal").next_attempt_at;
  EXPECT_GE(next2, end2);
  EXPECT_LE(next2, end2 + seconds(40));  // the cap doubled
  WakeAt(next2);
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 3);
}

TEST_F(EngineTest, GivesUpAfterMaxAttempts) {
  AddChannel("portal").retry.max_attempts = 2;
  auto& script = *scripts_["portal"];
  script.Push(Outcome::Retry(ErrorClass::kTransient, "503 Service Unavailable", 503, seconds(60)));
  script.Push(Outcome::Retry(ErrorClass::kTransient, "503 Service Unavailable", 503, seconds(60)));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] {
    return Get("a", "portal").attempts == 1 && State("a", "portal") == DeliveryState::kScheduled;
  }));
  WakeAt(clock_.Now() + seconds(60));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kFailed)));
  EXPECT_EQ(Get("a", "portal").last_error, "gave up after 2 attempts: 503 Service Unavailable");
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_EQ(lines[1]["outcome"], "failed");
  EXPECT_EQ(lines[1]["attempt"], 2);
  WakeAt(clock_.Now() + hours(24));
  Drain();
  EXPECT_EQ(script.Publishes(), 2);
  EXPECT_FALSE(engine_->NextWake().has_value());
}

TEST_F(EngineTest, PermanentErrorFailsAtOnce) {
  AddChannel("portal");
  scripts_["portal"]->Push(
      Outcome::Failed(ErrorClass::kPermanent, "400 rest_invalid_param: title", 400));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kFailed)));
  WakeAt(clock_.Now() + hours(2));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "failed");
  EXPECT_EQ(lines[0]["error"], "400 rest_invalid_param: title");
  EXPECT_EQ(lines[0]["http_status"], 400);
}

TEST_F(EngineTest, UncertainIsHeldAndNeverResent) {
  AddChannel("portal");
  scripts_["portal"]->Push(Outcome::Uncertain("connection reset after the request was sent"));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kUncertain)));
  for (int i = 1; i <= 3; ++i) {
    WakeAt(clock_.Now() + hours(i));
    Drain();
  }
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_FALSE(engine_->NextWake().has_value());
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "uncertain");
  EXPECT_TRUE(lines[0]["http_status"].is_null());
}

TEST_F(EngineTest, SlowChannelDoesNotHoldBackAnother) {
  AddChannel("slow");
  AddChannel("fast");
  scripts_["slow"]->Block();
  AddItem(MakeItem("a", clock_.Now(), {"slow", "fast"}));
  AddItem(MakeItem("b", clock_.Now() + minutes(1), {"fast"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["slow"]->Publishes() == 1; }));
  ASSERT_TRUE(RunUntil(StateIs("a", "fast", DeliveryState::kPublished)));
  WakeAt(clock_.Now() + minutes(1));
  ASSERT_TRUE(RunUntil(StateIs("b", "fast", DeliveryState::kPublished)));
  // The slow call is still under way all this time.
  EXPECT_EQ(State("a", "slow"), DeliveryState::kSending);
  EXPECT_EQ(engine_->InFlight(), 1);
  EXPECT_EQ(scripts_["slow"]->Finished(), 0);

  scripts_["slow"]->Release();
  ASSERT_TRUE(RunUntil(StateIs("a", "slow", DeliveryState::kPublished)));
  EXPECT_EQ(engine_->InFlight(), 0);
}

TEST_F(EngineTest, OneAttemptAtATimePerChannel) {
  AddChannel("portal");
  scripts_["portal"]->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  AddItem(MakeItem("b", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));
  engine_->Wake();
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(engine_->InFlight(), 1);
  scripts_["portal"]->Release();
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished;
  }));
  auto calls = scripts_["portal"]->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].item, "a");  // equal due times: the older delivery first
}

TEST_F(EngineTest, MinIntervalSpacesTwoItemsOnOneChannel) {
  AddChannel("portal").min_interval = minutes(10);
  const TimePoint start = clock_.Now();
  AddItem(MakeItem("a", start, {"portal"}));
  AddItem(MakeItem("b", start, {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  Drain();
  EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled);
  EXPECT_EQ(engine_->NextWake(), start + minutes(10));
  WakeAt(start + minutes(10) - seconds(1));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  WakeAt(start + minutes(10));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, WindowPushesALateEveningItemToMorning) {
  AddChannel("portal").window = *ParseDailyWindow("06:00-22:00");
  clock_.Set(Local("2026-12-01 22:30"));
  AddItem(MakeItem("night", Local("2026-12-01 23:00"), {"portal"}));
  StartEngine();
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-02 06:00"));
  WakeAt(Local("2026-12-01 23:00"));
  Drain();
  WakeAt(Local("2026-12-02 05:59"));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
  EXPECT_EQ(State("night", "portal"), DeliveryState::kScheduled);
  WakeAt(Local("2026-12-02 06:00"));
  ASSERT_TRUE(RunUntil(StateIs("night", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, NextWakeIsTheEarliestDueAcrossChannels) {
  AddChannel("portal");
  AddChannel("cchc");
  AddItem(MakeItem("a", Local("2026-12-01 10:00"), {"portal"}));
  AddItem(MakeItem("b", Local("2026-12-01 09:15"), {"cchc"}));
  StartEngine();
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 09:15"));
  // A new item arriving (the inbox watcher calls Wake) re-arms the timer.
  AddItem(MakeItem("c", Local("2026-12-01 08:30"), {"portal"}));
  engine_->Wake();
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 08:30"));
  WakeAt(Local("2026-12-01 08:30"));
  ASSERT_TRUE(RunUntil(StateIs("c", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 09:15"));
  WakeAt(Local("2026-12-01 09:15"));
  ASSERT_TRUE(RunUntil(StateIs("b", "cchc", DeliveryState::kPublished)));
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 10:00"));
}

TEST_F(EngineTest, ChannelWithoutConnectorIsSkipped) {
  AddChannel("portal");
  AddChannel("zalo");
  AddItem(MakeItem("a", clock_.Now(), {"portal", "zalo"}));
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::make_unique<ScriptedConnector>(scripts_["portal"]);
  engine_ = std::make_unique<Engine>(io_, config_, *store_, *log_, clock_, std::move(connectors));
  engine_->Start();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(State("a", "zalo"), DeliveryState::kScheduled);
  EXPECT_EQ(scripts_["zalo"]->Publishes(), 0);
  EXPECT_FALSE(engine_->NextWake().has_value());
}

TEST_F(EngineTest, SendingAtStartIsReconciled) {
  AddChannel("found");
  AddChannel("absent");
  AddChannel("unknown");
  AddItem(MakeItem("a", Local("2026-12-01 07:00"), {"found", "absent", "unknown"}));
  const TimePoint crash = Local("2026-12-01 07:00");
  LeaveSending("a", "found", crash);
  LeaveSending("a", "absent", crash);
  LeaveSending("a", "unknown", crash);

  Reconciliation found;
  found.kind = Reconciliation::Kind::kPublished;
  found.published = Outcome::Published("42", "https://portal.example.gov.vn/a/", 200);
  scripts_["found"]->SetReconciliation(found);
  Reconciliation absent;
  absent.kind = Reconciliation::Kind::kAbsent;
  scripts_["absent"]->SetReconciliation(absent);
  Reconciliation unknown;
  unknown.kind = Reconciliation::Kind::kUnknown;
  unknown.message = "the platform cannot be asked";
  scripts_["unknown"]->SetReconciliation(unknown);

  StartEngine();
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "found") == DeliveryState::kPublished &&
           State("a", "absent") == DeliveryState::kPublished &&
           State("a", "unknown") == DeliveryState::kUncertain && engine_->InFlight() == 0;
  }));

  // Found: published without a second request.
  auto calls = scripts_["found"]->Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].reconcile);
  EXPECT_EQ(Get("a", "found").remote_url, "https://portal.example.gov.vn/a/");
  auto found_lines = LogLinesFor("a", "found");
  ASSERT_EQ(found_lines.size(), 1u);
  EXPECT_EQ(found_lines[0]["outcome"], "published");
  EXPECT_EQ(found_lines[0]["attempt"], 1);
  EXPECT_EQ(found_lines[0]["remote_id"], "42");
  EXPECT_EQ(found_lines[0]["error"], "reconciled after restart");

  // Absent: asked, then sent again as attempt 2.
  calls = scripts_["absent"]->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[0].reconcile);
  EXPECT_FALSE(calls[1].reconcile);
  EXPECT_EQ(calls[1].attempt, 2);
  auto absent_lines = LogLinesFor("a", "absent");
  ASSERT_EQ(absent_lines.size(), 2u);
  EXPECT_EQ(absent_lines[0]["outcome"], "retry");
  EXPECT_EQ(absent_lines[1]["outcome"], "published");
  EXPECT_EQ(absent_lines[1]["attempt"], 2);

  // Unknown: held for the operator, never sent.
  calls = scripts_["unknown"]->Calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].reconcile);
  auto unknown_lines = LogLinesFor("a", "unknown");
  ASSERT_EQ(unknown_lines.size(), 1u);
  EXPECT_EQ(unknown_lines[0]["outcome"], "uncertain");
  std::string error = unknown_lines[0]["error"];
  EXPECT_NE(error.find("the platform cannot be asked"), std::string::npos) << error;
  WakeAt(clock_.Now() + hours(1));
  Drain();
  EXPECT_EQ(scripts_["unknown"]->Publishes(), 0);
}

// A connector that says "not there yet" (a create from before the restart
// may still land) is sent again at its not_before, not at once.
TEST_F(EngineTest, AbsentWithNotBeforeIsResentNoEarlier) {
  AddChannel("portal");
  AddItem(MakeItem("a", Local("2026-12-01 07:00"), {"portal"}));
  LeaveSending("a", "portal", Local("2026-12-01 07:00"));
  const TimePoint not_before = clock_.Now() + seconds(37);
  Reconciliation absent;
  absent.kind = Reconciliation::Kind::kAbsent;
  absent.not_before = not_before;
  absent.message = "not there yet";
  scripts_["portal"]->SetReconciliation(absent);

  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Finished() == 1; }));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0) << "sent before a create in flight could land";
  Delivery d = Get("a", "portal");
  EXPECT_EQ(d.state, DeliveryState::kScheduled);
  EXPECT_EQ(d.next_attempt_at, not_before);

  WakeAt(not_before - seconds(1));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);

  WakeAt(not_before);
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_NE(lines[0]["error"].get<std::string>().find("not there yet"), std::string::npos);
}

TEST_F(EngineTest, StopWaitsForInFlightThenCallsDone) {
  AddChannel("portal");
  AddChannel("cchc");
  scripts_["portal"]->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  AddItem(MakeItem("b", clock_.Now() + minutes(5), {"cchc"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));
  bool done = false;
  engine_->Stop([&] { done = true; });
  EXPECT_FALSE(engine_->NextWake().has_value());
  Drain();
  EXPECT_FALSE(done);
  // No new attempts once stopping, even when due.
  WakeAt(clock_.Now() + minutes(5));
  Drain();
  EXPECT_EQ(scripts_["cchc"]->Publishes(), 0);

  scripts_["portal"]->Release();
  ASSERT_TRUE(RunUntil([&] { return done; }));
  // done comes after the outcome is committed and logged.
  EXPECT_EQ(State("a", "portal"), DeliveryState::kPublished);
  EXPECT_EQ(LogLinesFor("a", "portal").size(), 1u);
  EXPECT_EQ(State("b", "cchc"), DeliveryState::kScheduled);
}

TEST_F(EngineTest, StopWithNothingInFlightCallsDoneAtOnce) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now() + hours(1), {"portal"}));
  StartEngine();
  bool done = false;
  engine_->Stop([&] { done = true; });
  EXPECT_TRUE(done);
}

TEST_F(EngineTest, StopGivesUpAfterShutdownTimeout) {
  config_.shutdown_timeout = milliseconds(100);
  AddChannel("portal");
  scripts_["portal"]->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));
  bool done = false;
  engine_->Stop([&] { done = true; });
  ASSERT_TRUE(RunUntil([&] { return done; }));
  EXPECT_EQ(engine_->InFlight(), 1);
  // Left for reconciliation at the next start.
  EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
  EXPECT_TRUE(LogLines().empty());
}

TEST_F(EngineTest, DestroyingTheEngineDoesNotWaitForeverOnAHungCall) {
  AddChannel("portal");
  auto script = scripts_["portal"];
  script->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script->Publishes() == 1; }));
  bool done = false;
  engine_->Stop([&] { done = true; });
  const auto before = steady_clock::now();
  engine_.reset();  // the call is still blocked
  EXPECT_LT(steady_clock::now() - before, seconds(10));
  EXPECT_FALSE(done);
  EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
  // The abandoned call may finish later; nothing is committed or posted then.
  script->Release();
  ASSERT_TRUE(RunUntil([&] { return script->Finished() == 1; }));
  Drain();
  EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
  EXPECT_TRUE(LogLines().empty());
}

TEST_F(EngineTest, DeliveryLogLinesFollowTheContract) {
  AddChannel("portal");
  scripts_["portal"]->Push(
      Outcome::Failed(ErrorClass::kPermanent, "403 rest_cannot_create: not allowed", 403));
  AddItem(MakeItem("bad", clock_.Now(), {"portal"}));
  AddItem(MakeItem("good", clock_.Now() + minutes(1), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("bad", "portal", DeliveryState::kFailed)));
  WakeAt(clock_.Now() + minutes(1));
  ASSERT_TRUE(RunUntil(StateIs("good", "portal", DeliveryState::kPublished)));

  std::ifstream in(config_.DeliveryLogPath());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  const std::vector<std::string> keys = {"ts",         "item",      "channel", "attempt",
                                         "outcome",    "remote_id", "url",     "http_status",
                                         "latency_ms", "error"};
  std::regex ts_format(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  for (const auto& line : lines) {
    std::vector<std::string> got;
    for (auto it = line.begin(); it != line.end(); ++it) got.push_back(it.key());
    std::vector<std::string> want = keys;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << line.dump();
    EXPECT_TRUE(std::regex_match(line["ts"].get<std::string>(), ts_format)) << line.dump();
    EXPECT_TRUE(line["latency_ms"].is_number_integer()) << line.dump();
    EXPECT_TRUE(line["attempt"].is_number_integer()) << line.dump();
  }
  EXPECT_EQ(lines[0]["ts"], "2026-12-01T01:00:00.000Z");
  EXPECT_EQ(lines[0]["item"], "bad");
  EXPECT_EQ(lines[0]["channel"], "portal");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["outcome"], "failed");
  EXPECT_TRUE(lines[0]["remote_id"].is_null());
  EXPECT_TRUE(lines[0]["url"].is_null());
  EXPECT_EQ(lines[0]["http_status"], 403);
  EXPECT_EQ(lines[0]["error"], "403 rest_cannot_create: not allowed");

  EXPECT_EQ(lines[1]["ts"], "2026-12-01T01:01:00.000Z");
  EXPECT_EQ(lines[1]["outcome"], "published");
  EXPECT_EQ(lines[1]["remote_id"], "remote-good");
  EXPECT_EQ(lines[1]["url"], "https://portal.example.gov.vn/good");
  EXPECT_EQ(lines[1]["http_status"], 201);
  EXPECT_TRUE(lines[1]["error"].is_null());
}

TEST(DeliveryLogTest, WritesOneLinePerAppendWithNulls) {
  fs::path dir = MakeTempDir();
  auto log = DeliveryLog::Open(dir / "deliveries.jsonl");
  ASSERT_TRUE(log.ok()) << log.error();
  AttemptRecord full;
  full.number = 3;
  full.ended_at = Local("2026-12-01 08:00") + milliseconds(250);
  full.outcome = "published";
  full.remote_id = "17";
  full.remote_url = "https://example.gov.vn/?p=17";
  full.http_status = 201;
  full.latency_ms = 812;
  AttemptRecord empty;
  empty.ended_at = Local("2026-12-01 08:00");
  empty.outcome = "cancelled";
  ASSERT_TRUE((*log)->Append("x", "portal", full).ok());
  ASSERT_TRUE((*log)->Append("y", "cchc", empty).ok());
  log->reset();
  // Reopening appends rather than truncating.
  auto again = DeliveryLog::Open(dir / "deliveries.jsonl");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append("z", "zalo", empty).ok());

  std::ifstream in(dir / "deliveries.jsonl");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            R"({"ts":"2026-12-01T01:00:00.250Z","item":"x","channel":"portal","attempt":3,)"
            R"("outcome":"published","remote_id":"17","url":"https://example.gov.vn/?p=17",)"
            R"("http_status":201,"latency_ms":812,"error":null})");
  EXPECT_EQ(lines[1], R"({"ts":"2026-12-01T01:00:00.000Z","item":"y","channel":"cchc","attempt":0,)"
                      R"("outcome":"cancelled","remote_id":null,"url":null,"http_status":null,)"
                      R"("latency_ms":0,"error":null})");
  EXPECT_NE(lines[2].find(R"("item":"z")"), std::string::npos);
  fs::remove_all(dir);
}

TEST(DeliveryLogTest, OpenNamesTheMissingFolder) {
  auto log = DeliveryLog::Open("/nonexistent-loa-dir/deliveries.jsonl");
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().find("/nonexistent-loa-dir/deliveries.jsonl"), std::string::npos);
}

TEST_F(EngineTest, RealFileConnectorPublishesAndReconciles) {
  ChannelConfig& portal = AddChannel("portal");
  fs::path outbox = dir_ / "outbox" / "portal";
  fs::create_directories(outbox);
  portal.settings = FileSettings{outbox};
  auto made = MakeConnector(portal, config_);
  ASSERT_TRUE(made.ok()) << made.error();
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::move(made).value();
  AddItem(MakeItem("tin-mot-cua", clock_.Now(), {"portal"}));
  StartEngine(std::move(connectors));
  ASSERT_TRUE(RunUntil(StateIs("tin-mot-cua", "portal", DeliveryState::kPublished)));
  EXPECT_TRUE(fs::exists(outbox / "tin-mot-cua.html"));
  EXPECT_TRUE(fs::exists(outbox / "tin-mot-cua.txt"));
  EXPECT_TRUE(fs::exists(outbox / "tin-mot-cua.json"));
  auto lines = LogLinesFor("tin-mot-cua", "portal");
  ASSERT_EQ(lines.size(), 1u);
  std::string url = lines[0]["url"];
  EXPECT_EQ(url.rfind("file://", 0), 0u) << url;
  EXPECT_NE(url.find("tin-mot-cua.html"), std::string::npos) << url;

  // A second item left `sending` by a "crash" after the file was written is
  // found on restart and not written again.
  engine_.reset();
  AddItem(MakeItem("tin-hai", clock_.Now(), {"portal"}));
  LeaveSending("tin-hai", "portal", clock_.Now());
  auto again = MakeConnector(portal, config_);
  ASSERT_TRUE(again.ok());
  PublishRequest request;
  auto item = store_->GetPost("tin-hai");
  ASSERT_TRUE(item.ok());
  request.item = &*item;
  request.channel = "portal";
  request.due_at = clock_.Now();
  request.media_dir = config_.MediaDir() / "tin-hai";
  ASSERT_EQ((*again)->Publish(request).kind, Outcome::Kind::kPublished);
  auto written = fs::last_write_time(outbox / "tin-hai.html");
  std::map<std::string, std::unique_ptr<Connector>> restart;
  restart["portal"] = std::move(again).value();
  StartEngine(std::move(restart));
  ASSERT_TRUE(RunUntil(StateIs("tin-hai", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(fs::last_write_time(outbox / "tin-hai.html"), written);
  auto reconciled = LogLinesFor("tin-hai", "portal");
  ASSERT_EQ(reconciled.size(), 1u);
  EXPECT_EQ(reconciled[0]["error"], "reconciled after restart");
}

// ---- Takedowns ----------------------------------------------------------------------

class RetractTest : public EngineTest {
 protected:
  // Publishes `id` on `channels` through the engine (started here).
  void PublishedItem(const std::string& id, std::vector<std::string> channels) {
    AddItem(MakeItem(id, clock_.Now(), channels));
    if (!engine_) StartEngine();
    engine_->Wake();
    for (const auto& channel : channels) {
      ASSERT_TRUE(RunUntil(StateIs(id, channel, DeliveryState::kPublished))) << channel;
    }
  }
  void RequestRetract(const std::string& id, std::vector<std::string> channels) {
    auto out = store_->RequestRetract(id, channels, clock_.Now());
    ASSERT_TRUE(out.ok()) << out.error();
    engine_->Wake();
  }
  std::vector<json> TakedownLines(const std::string& item, const std::string& channel) {
    std::vector<json> out;
    for (auto& l : LogLinesFor(item, channel)) {
      if (l.contains("action")) out.push_back(l);
    }
    return out;
  }
};

TEST_F(RetractTest, TakesAPublishedPostDown) {
  AddChannel("portal");
  AddChannel("cchc");
  PublishedItem("a", {"portal", "cchc"});
  clock_.Advance(minutes(5));
  RequestRetract("a", {"portal"});
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kRetracted)));
  Drain();
  EXPECT_EQ(State("a", "cchc"), DeliveryState::kPublished) << "not named by the retract";
  EXPECT_EQ(scripts_["cchc"]->Retracts(), 0);
  auto calls = scripts_["portal"]->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[1].retract);
  EXPECT_EQ(calls[1].remote_id, "remote-a");
  EXPECT_EQ(calls[1].attempt, 1);
  Delivery d = Get("a", "portal");
  EXPECT_FALSE(d.RetractPending());
  EXPECT_EQ(d.remote_id, "remote-a") << "kept as a record of what was taken down";

  auto lines = TakedownLines("a", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "retracted");
  EXPECT_EQ(lines[0]["action"], "retract");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["remote_id"], "remote-a");
  EXPECT_EQ(lines[0]["url"], "https://portal.example.gov.vn/a");
  EXPECT_EQ(lines[0]["http_status"], 200);
  EXPECT_EQ(lines[0]["ts"], FormatUtc(clock_.Now(), true));
  EXPECT_TRUE(lines[0]["error"].is_null());
  // The publishing line keeps the original keys.
  EXPECT_FALSE(LogLinesFor("a", "portal")[0].contains("action"));
  auto rows = store_->ListAttempts(d.id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].action, AttemptAction::kRetract);
  EXPECT_EQ(rows[1].outcome, "retracted");
  EXPECT_FALSE(engine_->NextWake().has_value());
}

TEST_F(RetractTest, RetriesWithBackoffThenSucceeds) {
  AddChannel("portal");
  PublishedItem("a", {"portal"});
  scripts_["portal"]->PushRetract(
      Outcome::Retry(ErrorClass::kTransient, "503 Service Unavailable", 503, seconds(90)));
  RequestRetract("a", {"portal"});
  auto waiting = [&] { return Get("a", "portal").retract_next_at.has_value(); };
  ASSERT_TRUE(RunUntil(waiting));
  const TimePoint end1 = clock_.Now();
  Delivery d = Get("a", "portal");
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_TRUE(d.RetractPending());
  EXPECT_EQ(d.retract_next_at, end1 + seconds(90));  // Retry-After beats the 30 s jitter cap
  EXPECT_EQ(d.last_error, "503 Service Unavailable");
  EXPECT_EQ(engine_->NextWake(), end1 + seconds(90));

  WakeAt(end1 + seconds(89));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Retracts(), 1);
  WakeAt(end1 + seconds(90));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kRetracted)));
  auto calls = scripts_["portal"]->Calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].attempt, 2);

  auto lines = TakedownLines("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["http_status"], 503);
  EXPECT_EQ(lines[0]["error"], "503 Service Unavailable");
  EXPECT_EQ(lines[1]["outcome"], "retracted");
  EXPECT_EQ(lines[1]["attempt"], 2);
  EXPECT_EQ(Get("a", "portal").retract_attempts, 2);
}

TEST_F(RetractTest, FailureKeepsThePostPublished) {
  AddChannel("portal");
  PublishedItem("a", {"portal"});
  scripts_["portal"]->PushRetract(
      Outcome::Failed(ErrorClass::kPermanent, "403 rest_cannot_delete: not allowed", 403));
  RequestRetract("a", {"portal"});
  ASSERT_TRUE(RunUntil([&] { return !Get("a", "portal").RetractPending(); }));
  Delivery d = Get("a", "portal");
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_EQ(d.last_error, "403 rest_cannot_delete: not allowed");
  EXPECT_EQ(d.error_class, "permanent");
  auto lines = TakedownLines("a", "portal");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["outcome"], "failed");
  EXPECT_EQ(lines[0]["error"], "403 rest_cannot_delete: not allowed");
  EXPECT_EQ(lines[0]["http_status"], 403);
  WakeAt(clock_.Now() + hours(24));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Retracts(), 1);
  EXPECT_FALSE(engine_->NextWake().has_value());
}

TEST_F(RetractTest, GivesUpAfterMaxAttemptsAndKeepsItPublished) {
  AddChannel("portal").retry.max_attempts = 2;
  PublishedItem("a", {"portal"});
  for (int i = 0; i < 2; ++i) {
    scripts_["portal"]->PushRetract(Outcome::Uncertain("connection reset"));
  }
  RequestRetract("a", {"portal"});
  ASSERT_TRUE(RunUntil([&] { return Get("a", "portal").retract_next_at.has_value(); }));
  WakeAt(*Get("a", "portal").retract_next_at);
  ASSERT_TRUE(RunUntil([&] { return !Get("a", "portal").RetractPending(); }));
  Delivery d = Get("a", "portal");
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_EQ(d.last_error, "gave up after 2 takedown tries: connection reset");
  EXPECT_EQ(scripts_["portal"]->Retracts(), 2);
}

TEST_F(RetractTest, TakedownGoesFirstAndOneCallAtATime) {
  AddChannel("portal");
  PublishedItem("a", {"portal"});
  auto script = scripts_["portal"];
  script->Block();
  AddItem(MakeItem("b", clock_.Now(), {"portal"}));
  RequestRetract("a", {"portal"});
  ASSERT_TRUE(RunUntil([&] { return script->Calls().size() == 2u; }));
  engine_->Wake();
  Drain();
  EXPECT_EQ(engine_->InFlight(), 1);
  auto calls = script->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[1].retract) << "the takedown goes before b, due at the same time";
  EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled);
  script->Release();
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kRetracted &&
           State("b", "portal") == DeliveryState::kPublished;
  }));
}

TEST_F(RetractTest, TakedownWaitsForMinIntervalButNotForTheWindow) {
  ChannelConfig& portal = AddChannel("portal");
  portal.min_interval = minutes(10);
  PublishedItem("a", {"portal"});
  const TimePoint published = clock_.Now();
  // From now on the channel only publishes 07:00-08:00 (it is 08:00).
  portal.window = DailyWindow{hours(7), hours(8)};
  RequestRetract("a", {"portal"});
  Drain();
  EXPECT_EQ(scripts_["portal"]->Retracts(), 0);
  EXPECT_EQ(engine_->NextWake(), published + minutes(10));
  WakeAt(published + minutes(10));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kRetracted)));
}

TEST_F(RetractTest, RetractWhileSendingTakesItDownOnceOut) {
  AddChannel("portal");
  auto script = scripts_["portal"];
  script->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script->Publishes() == 1; }));
  auto out = store_->RequestRetract("a", {"portal"}, clock_.Now());
  ASSERT_TRUE(out.ok()) << out.error();
  ASSERT_EQ(out->awaiting.size(), 1u);
  script->Release();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kRetracted)));
  EXPECT_EQ(script->Retracts(), 1);
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "published");
  EXPECT_EQ(lines[1]["outcome"], "retracted");
}

TEST_F(RetractTest, ChannelThatCannotTakePostsDownFailsTheTakedown) {
  AddChannel("portal");
  // The contract's default Retract: this connector cannot take posts down.
  class PublishOnly : public Connector {
   public:
    Outcome Publish(const PublishRequest&) override { return Outcome::Published("9", "", 201); }
    Reconciliation Reconcile(const PublishRequest&) override { return {}; }
  };
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::make_unique<PublishOnly>();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine(std::move(connectors));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  RequestRetract("a", {"portal"});
  ASSERT_TRUE(RunUntil([&] { return !Get("a", "portal").RetractPending(); }));
  EXPECT_EQ(State("a", "portal"), DeliveryState::kPublished);
  EXPECT_NE(Get("a", "portal").last_error.find("cannot take posts down"), std::string::npos);
}

// ---- Auth pauses ------------------------------------------------------------------------

TEST_F(EngineTest, AuthFailurePausesTheChannelUntilAProbeSucceeds) {
  AddChannel("portal");
  AddChannel("cchc");
  scripts_["portal"]->Push(Outcome::Failed(ErrorClass::kAuth, "401 token expired", 401));
  const TimePoint start = clock_.Now();
  AddItem(MakeItem("a", start, {"portal"}));
  AddItem(MakeItem("b", start + seconds(1), {"portal", "cchc"}));
  AddItem(MakeItem("c", start + seconds(2), {"portal"}));
  testing::internal::CaptureStderr();
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return !engine_->PausedChannels().empty(); }));
  EXPECT_EQ(engine_->PausedChannels(),
            (std::map<std::string, std::string>{{"portal", "401 token expired"}}));
  Delivery a = Get("a", "portal");
  EXPECT_EQ(a.state, DeliveryState::kScheduled);
  EXPECT_EQ(a.attempts, 0) << "an auth pause is not held against max_attempts";
  EXPECT_EQ(a.next_attempt_at, start + Engine::kAuthProbeInterval);
  EXPECT_EQ(a.error_class, "auth");

  // b and c fall due; cchc goes on, portal sends nothing.
  WakeAt(start + seconds(2));
  ASSERT_TRUE(RunUntil(StateIs("b", "cchc", DeliveryState::kPublished)));
  WakeAt(start + minutes(10));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled);
  EXPECT_EQ(State("c", "portal"), DeliveryState::kScheduled);
  EXPECT_EQ(engine_->NextWake(), start + Engine::kAuthProbeInterval);

  // The probe: one delivery, and on success the rest follow.
  WakeAt(start + Engine::kAuthProbeInterval);
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished &&
           State("c", "portal") == DeliveryState::kPublished;
  }));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(engine_->PausedChannels().empty());
  EXPECT_EQ(scripts_["portal"]->Publishes(), 4);
  EXPECT_EQ(scripts_["portal"]->Calls()[1].item, "b") << "the probe is the next one due";
  EXPECT_EQ(Get("a", "portal").attempts, 1);
  EXPECT_TRUE(store_->InState(DeliveryState::kFailed).empty());
  EXPECT_NE(err.find("channel portal paused: 401 token expired; an admin must re-authorise"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("channel portal resumed"), std::string::npos) << err;

  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["http_status"], 401);
  EXPECT_EQ(lines[0]["error"], "401 token expired");
  EXPECT_EQ(lines[1]["outcome"], "published");
  EXPECT_EQ(lines[1]["attempt"], 1);
  auto rows = store_->ListAttempts(Get("a", "portal").id);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error_class, "auth");
}

TEST_F(EngineTest, FailedProbesKeepThePauseAndNeverFailADelivery) {
  AddChannel("portal").retry.max_attempts = 2;
  auto& script = *scripts_["portal"];
  for (int i = 0; i < 4; ++i) script.Push(Outcome::Failed(ErrorClass::kAuth, "401 revoked", 401));
  const TimePoint start = clock_.Now();
  AddItem(MakeItem("a", start, {"portal"}));
  AddItem(MakeItem("b", start, {"portal"}));
  testing::internal::CaptureStderr();
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script.Finished() == 1; }));
  Drain();
  TimePoint probe = start;
  for (int i = 2; i <= 4; ++i) {
    probe += Engine::kAuthProbeInterval;
    WakeAt(probe - seconds(1));
    Drain();
    EXPECT_EQ(script.Publishes(), i - 1) << "no call before the probe time";
    WakeAt(probe);
    ASSERT_TRUE(RunUntil([&] { return script.Finished() == i; }));
    Drain();
    EXPECT_EQ(script.Publishes(), i) << "one call per probe";
    EXPECT_EQ(engine_->PausedChannels().count("portal"), 1u);
  }
  EXPECT_TRUE(store_->InState(DeliveryState::kFailed).empty());
  EXPECT_EQ(Get("a", "portal").attempts, 0);
  EXPECT_EQ(Get("b", "portal").attempts, 0);

  // A transient failure on a probe says nothing about the credentials.
  script.Push(Outcome::Retry(ErrorClass::kTransient, "502 Bad Gateway", 502));
  probe += Engine::kAuthProbeInterval;
  WakeAt(probe);
  ASSERT_TRUE(RunUntil([&] { return script.Finished() == 5; }));
  Drain();
  EXPECT_EQ(engine_->PausedChannels().count("portal"), 1u);
  EXPECT_EQ(engine_->NextWake(), probe + Engine::kAuthProbeInterval);

  WakeAt(probe + Engine::kAuthProbeInterval);
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished;
  }));
  const std::string err = testing::internal::GetCapturedStderr();
  size_t paused_lines = 0;
  for (size_t at = err.find("channel portal paused"); at != std::string::npos;
       at = err.find("channel portal paused", at + 1)) {
    ++paused_lines;
  }
  EXPECT_EQ(paused_lines, 1u) << err;
  EXPECT_TRUE(engine_->PausedChannels().empty());
}

TEST_F(RetractTest, AuthFailureOnATakedownPausesTheChannelToo) {
  AddChannel("portal");
  PublishedItem("a", {"portal"});
  auto& script = *scripts_["portal"];
  script.PushRetract(Outcome::Failed(ErrorClass::kAuth, "190 session expired", 400));
  AddItem(MakeItem("b", clock_.Now() + minutes(1), {"portal"}));
  RequestRetract("a", {"portal"});
  const TimePoint asked = clock_.Now();
  ASSERT_TRUE(RunUntil([&] { return !engine_->PausedChannels().empty(); }));
  Delivery a = Get("a", "portal");
  EXPECT_EQ(a.state, DeliveryState::kPublished);
  EXPECT_TRUE(a.RetractPending());
  EXPECT_EQ(a.retract_next_at, asked + Engine::kAuthProbeInterval);
  EXPECT_EQ(a.retract_attempts, 0);
  WakeAt(asked + minutes(5));
  Drain();
  EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled) << "paused: b waits";
  WakeAt(asked + Engine::kAuthProbeInterval);
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kRetracted &&
           State("b", "portal") == DeliveryState::kPublished;
  }));
  EXPECT_TRUE(engine_->PausedChannels().empty());
  auto lines = TakedownLines("a", "portal");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["outcome"], "retry");
  EXPECT_EQ(lines[1]["outcome"], "retracted");
  EXPECT_EQ(lines[1]["attempt"], 1);
}

}  // namespace
}  // namespace loa
