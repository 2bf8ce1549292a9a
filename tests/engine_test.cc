#include "queue/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/file/file_settings.h"
#include "connectors/registry.h"
#include "contract/connector.h"
#include "queue/delivery_log.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

using namespace std::chrono;
using nlohmann::json;

const TimeZone kZone = hours(7);

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
  std::string remote_id;     // of a takedown
  std::string resume_token;  // what a publish or reconcile carried
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
    calls_.push_back(
        {r.item->id, r.channel, r.attempt, false, r.media_dir.string(), false, "", ""});
    calls_.back().resume_token = r.resume_token;
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
        {r.item->id, r.channel, r.attempt, false, r.media_dir.string(), true, remote_id, ""});
    cv_.wait(lock, [&] { return !blocked_; });
    Outcome o = Outcome::Retracted(remote_id, 200);
    if (!retract_outcomes_.empty()) {
      o = retract_outcomes_.front();
      retract_outcomes_.pop_front();
    }
    ++finished_;
    return o;
  }
  Reconciliation OnReconcile(const PublishRequest& r) {
    std::unique_lock lock(mu_);
    calls_.push_back({r.item->id, r.channel, r.attempt, true, r.media_dir.string(), false, "", ""});
    calls_.back().resume_token = r.resume_token;
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
    auto store = SqliteStore::Open(config_.DatabasePath());
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
    c.settings = std::make_shared<FileSettings>(dir_ / "outbox" / name);
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
    Store& store = engine_store_ ? *engine_store_ : *store_;
    engine_ = std::make_unique<Engine>(io_, std::make_shared<const Config>(config_), store, *log_,
                                       env_, std::move(connectors));
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
    for (const auto& d : store_->ListDeliveries(post_id).value()) {
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
  TestEnv env_{clock_};
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  // When set, the engine uses this store (a wrapper around store_) instead.
  Store* engine_store_ = nullptr;
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
  auto attempts = store_->ListAttempts(Get("old", "portal").id).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kMissed);
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
  auto attempts = store_->ListAttempts(d.id).value();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error_class, ErrorClass::kRateLimited);
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
  // Looked up again (tests/engine_relook_test.cc), and as the lookups cannot
  // tell, never sent again.
  for (int i = 1; i <= 5; ++i) {
    WakeAt(clock_.Now() + hours(i));
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
    Drain();
  }
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(State("a", "portal"), DeliveryState::kUncertain);
  EXPECT_FALSE(engine_->NextWake().has_value());
  auto lines = LogLinesFor("a", "portal");
  ASSERT_EQ(lines.size(), 1u + kLooks);
  EXPECT_EQ(lines[0]["outcome"], "uncertain");
  EXPECT_TRUE(lines[0]["http_status"].is_null());
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i]["outcome"], "uncertain");
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

TEST_F(EngineTest, ConcurrencyRunsThatManyCallsAtOnceAndEachDeliveryOnce) {
  AddChannel("portal").concurrency = 3;
  scripts_["portal"]->Block();
  for (const char* id : {"a", "b", "c", "d", "e"}) AddItem(MakeItem(id, clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 3; }));
  engine_->Wake();
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 3);
  EXPECT_EQ(engine_->InFlight(), 3);
  // Each call's `sending` was committed before it left.
  int sending = 0;
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    sending += State(id, "portal") == DeliveryState::kSending ? 1 : 0;
  }
  EXPECT_EQ(sending, 3);
  scripts_["portal"]->Release();
  ASSERT_TRUE(RunUntil([&] {
    for (const char* id : {"a", "b", "c", "d", "e"}) {
      if (State(id, "portal") != DeliveryState::kPublished) return false;
    }
    return true;
  }));
  std::set<std::string> items;
  for (const auto& call : scripts_["portal"]->Calls()) items.insert(call.item);
  EXPECT_EQ(scripts_["portal"]->Calls().size(), 5u);
  EXPECT_EQ(items.size(), 5u);
  EXPECT_EQ(engine_->InFlight(), 0);
}

TEST_F(EngineTest, MinIntervalStillSpacesRequestStartsWithConcurrency) {
  ChannelConfig& portal = AddChannel("portal");
  portal.concurrency = 4;
  portal.min_interval = minutes(10);
  const TimePoint start = clock_.Now();
  scripts_["portal"]->Block();
  AddItem(MakeItem("a", start, {"portal"}));
  AddItem(MakeItem("b", start, {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(engine_->NextWake(), start + minutes(10));
  // Due while the first call is still under way: the second starts beside it.
  WakeAt(start + minutes(10));
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 2; }));
  EXPECT_EQ(engine_->InFlight(), 2);
  scripts_["portal"]->Release();
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, ARateLimitAnswerHoldsTheWholeChannel) {
  AddChannel("portal").concurrency = 4;
  const TimePoint start = clock_.Now();
  scripts_["portal"]->Push(Outcome::Retry(ErrorClass::kRateLimited, "HTTP 429", 429, minutes(5)));
  AddItem(MakeItem("a", start, {"portal"}));
  AddItem(MakeItem("b", start + minutes(1), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Finished() == 1; }));
  Drain();
  // b is due a minute later, but the platform asked for five.
  WakeAt(start + minutes(2));
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled);
  ASSERT_TRUE(engine_->NextWake().has_value());
  EXPECT_GE(*engine_->NextWake(), start + minutes(5));
  WakeAt(*engine_->NextWake());
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished;
  }));
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

TEST_F(EngineTest, AnItemOverdueWhileTheWindowIsClosedWaitsForTheNextOpening) {
  // loa was down overnight: yesterday's item is found at 23:30, outside the
  // window, and within max_lateness. Its own day's opening (yesterday
  // 06:00) has passed, but it must not go out at night.
  AddChannel("portal").window = *ParseDailyWindow("06:00-22:00");
  clock_.Set(Local("2026-12-01 23:30"));
  AddItem(MakeItem("yesterday", Local("2026-11-30 10:00"), {"portal"}));
  StartEngine();
  Drain();
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
  EXPECT_EQ(State("yesterday", "portal"), DeliveryState::kScheduled);
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-02 06:00"));
  WakeAt(Local("2026-12-02 06:00"));
  ASSERT_TRUE(RunUntil(StateIs("yesterday", "portal", DeliveryState::kPublished)));
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
  engine_ = std::make_unique<Engine>(io_, std::make_shared<const Config>(config_), *store_, *log_,
                                     env_, std::move(connectors));
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
  const std::vector<std::string> keys = {
      "ts",        "item", "channel",     "revision",   "title", "attempt", "outcome",
      "remote_id", "url",  "http_status", "latency_ms", "error", "seq"};
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

TEST(DeliveryLogTest, FormatsOneLinePerAttemptRowWithNulls) {
  AttemptRow full;
  full.seq = 41;
  full.post_id = "x";
  full.channel = "portal";
  full.record.number = 3;
  full.record.ended_at = Local("2026-12-01 08:00") + milliseconds(250);
  full.record.outcome = AttemptOutcome::kPublished;
  full.record.remote_id = "17";
  full.record.remote_url = "https://example.gov.vn/?p=17";
  full.record.http_status = 201;
  full.record.latency_ms = 812;
  AttemptRow empty;
  empty.seq = 42;
  empty.post_id = "y";
  empty.channel = "cchc";
  empty.record.ended_at = Local("2026-12-01 08:00");
  empty.record.outcome = AttemptOutcome::kCancelled;
  EXPECT_EQ(DeliveryLog::FormatLine(full),
            R"({"ts":"2026-12-01T01:00:00.250Z","item":"x","channel":"portal","attempt":3,)"
            R"("outcome":"published","remote_id":"17","url":"https://example.gov.vn/?p=17",)"
            R"("http_status":201,"latency_ms":812,"error":null,"seq":41})");
  EXPECT_EQ(DeliveryLog::FormatLine(empty),
            R"({"ts":"2026-12-01T01:00:00.000Z","item":"y","channel":"cchc","attempt":0,)"
            R"("outcome":"cancelled","remote_id":null,"url":null,"http_status":null,)"
            R"("latency_ms":0,"error":null,"seq":42})");
}

TEST_F(EngineTest, RealFileConnectorPublishesAndReconciles) {
  ChannelConfig& portal = AddChannel("portal");
  fs::path outbox = dir_ / "outbox" / "portal";
  fs::create_directories(outbox);
  portal.settings = std::make_shared<FileSettings>(outbox);
  auto made = MakeConnector(portal, config_, /*vault=*/nullptr, clock_);
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
  auto again = MakeConnector(portal, config_, /*vault=*/nullptr, clock_);
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
  auto rows = store_->ListAttempts(d.id).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].action, AttemptAction::kRetract);
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kRetracted);
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
  EXPECT_EQ(d.error_class, ErrorClass::kPermanent);
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
  EXPECT_EQ(a.error_class, ErrorClass::kAuth);

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
  EXPECT_TRUE(store_->InState(DeliveryState::kFailed)->empty());
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
  auto rows = store_->ListAttempts(Get("a", "portal").id).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].error_class, ErrorClass::kAuth);
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
  EXPECT_TRUE(store_->InState(DeliveryState::kFailed)->empty());
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

// ---- Store faults -------------------------------------------------------------------
//
// Real SQLite faults on the store's file: a trigger that refuses attempt
// rows, a second connection holding the write lock, a full database, a
// table the engine cannot read. In each, nothing is lost, nothing is sent
// twice, the outcome lands once the fault clears, and deliveries.jsonl is
// exactly the attempt rows.

// Posts a handler every 5 ms from its own thread (as a signal arrives) and
// keeps the worst delay before one ran on the io thread.
class LatenessProbe {
 public:
  explicit LatenessProbe(asio::io_context& io) : io_(io), thread_([this] { Run(); }) {}
  ~LatenessProbe() { Stop(); }
  int64_t Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return worst_ms_->load();
  }

 private:
  void Run() {
    while (!stop_) {
      const auto posted = steady_clock::now();
      asio::post(io_, [posted, worst = worst_ms_] {
        const int64_t late = duration_cast<milliseconds>(steady_clock::now() - posted).count();
        int64_t seen = worst->load();
        while (late > seen && !worst->compare_exchange_weak(seen, late)) {
        }
      });
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  asio::io_context& io_;
  std::atomic<bool> stop_{false};
  std::shared_ptr<std::atomic<int64_t>> worst_ms_ = std::make_shared<std::atomic<int64_t>>(0);
  std::thread thread_;
};

class StoreFaultTest : public EngineTest {
 protected:
  std::unique_ptr<SQLite::Database> OtherConnection() {
    return std::make_unique<SQLite::Database>(config_.DatabasePath().string(),
                                              SQLite::OPEN_READWRITE);
  }

  // Two items due now on one channel; the first request is under way (held
  // by the script) when this returns.
  std::shared_ptr<Script> FirstRequestUnderWay() {
    AddChannel("portal");
    auto script = scripts_["portal"];
    script->Block();
    AddItem(MakeItem("a", clock_.Now(), {"portal"}));
    AddItem(MakeItem("b", clock_.Now(), {"portal"}));
    StartEngine();
    EXPECT_TRUE(RunUntil([&] { return script->Publishes() == 1; }));
    return script;
  }

  // While the store refuses the outcome: it is held, the delivery is still
  // `sending`, nothing has a line, and time passing (wakes, store retries)
  // neither sends it again nor lets the next item overtake it.
  void ExpectHeldAndNothingResent(Script& script) {
    ASSERT_TRUE(RunUntil([&] { return engine_->HeldOutcomes() == 1; }));
    for (int i = 0; i < 3; ++i) {
      WakeAt(clock_.Now() + minutes(1));
      io_.run_for(milliseconds(150));
    }
    EXPECT_EQ(engine_->HeldOutcomes(), 1u);
    EXPECT_EQ(script.Publishes(), 1);
    EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
    EXPECT_EQ(State("b", "portal"), DeliveryState::kScheduled);
    EXPECT_TRUE(LogLines().empty());
  }

  void ExpectBothPublishedOnce(Script& script) {
    ASSERT_TRUE(RunUntil([&] {
      return State("a", "portal") == DeliveryState::kPublished &&
             State("b", "portal") == DeliveryState::kPublished && engine_->InFlight() == 0;
    }));
    EXPECT_EQ(engine_->HeldOutcomes(), 0u);
    auto calls = script.Calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].item, "a");
    EXPECT_EQ(calls[1].item, "b");
    ExpectLogIsTheAttemptRows();
  }

  // deliveries.jsonl holds exactly one line per attempt row, in row order.
  void ExpectLogIsTheAttemptRows() {
    auto rows = store_->AttemptsAfter(0, 100000);
    ASSERT_TRUE(rows.ok()) << rows.error();
    auto lines = LogLines();
    ASSERT_EQ(lines.size(), rows->size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const AttemptRow& row = (*rows)[i];
      EXPECT_EQ(lines[i]["seq"], row.seq);
      EXPECT_EQ(lines[i]["item"], row.post_id);
      EXPECT_EQ(lines[i]["channel"], row.channel);
      EXPECT_EQ(lines[i]["outcome"], AttemptOutcomeName(row.record.outcome));
      EXPECT_EQ(lines[i]["attempt"], row.record.number);
    }
  }
};

TEST_F(StoreFaultTest, RefusedCommitIsHeldAndLandsOnceTheStoreTakesIt) {
  auto script = FirstRequestUnderWay();
  auto other = OtherConnection();
  other->exec(
      "CREATE TRIGGER refuse_attempts BEFORE INSERT ON attempts "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  script->Release();
  ExpectHeldAndNothingResent(*script);

  other->exec("DROP TRIGGER refuse_attempts");
  ExpectBothPublishedOnce(*script);
  // The outcome keeps the time the answer came, not the time it landed.
  auto rows = store_->ListAttempts(Get("a", "portal").id).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].ended_at, Local("2026-12-01 08:00"));
}

TEST_F(StoreFaultTest, LockedDatabaseHoldsTheOutcomeWithoutBlockingTheLoop) {
  auto script = FirstRequestUnderWay();
  auto other = OtherConnection();
  other->exec("BEGIN IMMEDIATE");  // another process holds the write lock

  // Like a SIGHUP: handlers posted from another thread while the engine
  // keeps trying the store. How late do they run?
  LatenessProbe probe(io_);
  script->Release();
  ExpectHeldAndNothingResent(*script);
  io_.run_for(seconds(1));  // a few more store retries against the lock
  EXPECT_EQ(script->Publishes(), 1);

  other->exec("ROLLBACK");
  ExpectBothPublishedOnce(*script);
  const int64_t worst = probe.Stop();
  std::printf("posted handlers ran at most %lld ms late while another connection held the lock\n",
              static_cast<long long>(worst));
  // The store's busy timeout is 100 ms; the loop used to be held 5 s.
  EXPECT_LT(worst, 1000);
}

TEST_F(StoreFaultTest, FullDatabaseHoldsTheOutcomeUntilThereIsRoom) {
  AddChannel("portal");
  auto script = scripts_["portal"];
  script->Block();
  // An error text too long for a page: its row needs a new one.
  script->Push(Outcome::Retry(ErrorClass::kTransient, std::string(6000, 'x'), 503));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  AddItem(MakeItem("b", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script->Publishes() == 1; }));

  // The database may not grow, and every free page is taken.
  ASSERT_TRUE(store_->ExecForTest("CREATE TABLE test_filler (x BLOB)").ok());
  auto pages = store_->Pragma("page_count");
  ASSERT_TRUE(pages.ok()) << pages.error();
  ASSERT_TRUE(store_->ExecForTest("PRAGMA max_page_count = " + *pages).ok());
  Status filled = Ok{};
  for (int i = 0; i < 10000 && filled.ok(); ++i) {
    filled = store_->ExecForTest("INSERT INTO test_filler VALUES (zeroblob(2000))");
  }
  ASSERT_FALSE(filled.ok());
  EXPECT_NE(filled.error().find("full"), std::string::npos) << filled.error();

  script->Release();
  ExpectHeldAndNothingResent(*script);

  ASSERT_TRUE(store_->ExecForTest("PRAGMA max_page_count = 1073741823").ok());
  // The retry (backoff 30 s at most) and b both go once the clock gets there.
  ASSERT_TRUE(RunUntil([&] { return engine_->HeldOutcomes() == 0; }));
  EXPECT_EQ(Get("a", "portal").last_error, std::string(6000, 'x'));
  WakeAt(clock_.Now() + minutes(5));
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished && engine_->InFlight() == 0;
  }));
  WakeAt(clock_.Now() + minutes(5));
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished && engine_->InFlight() == 0;
  }));
  // a twice (its retry), b once: never a request while an outcome was held.
  auto calls = script->Calls();
  ASSERT_EQ(calls.size(), 3u);
  ExpectLogIsTheAttemptRows();
}

TEST_F(StoreFaultTest, UnreadableStoreIsRetriedNotTakenForNothingDue) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  auto other = OtherConnection();
  other->exec("ALTER TABLE deliveries RENAME TO deliveries_hidden");
  StartEngine();
  io_.run_for(milliseconds(300));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);

  other->exec("ALTER TABLE deliveries_hidden RENAME TO deliveries");
  // No Wake() from here: only the engine's own retry can send it.
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  ExpectLogIsTheAttemptRows();
}

TEST_F(StoreFaultTest, OutcomeStillRefusedAtStopIsNamedAndReconciledAtTheNextStart) {
  auto script = FirstRequestUnderWay();
  auto other = OtherConnection();
  other->exec(
      "CREATE TRIGGER refuse_attempts BEFORE INSERT ON attempts "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  script->Release();
  ASSERT_TRUE(RunUntil([&] { return engine_->HeldOutcomes() == 1; }));

  testing::internal::CaptureStderr();
  bool done = false;
  engine_->Stop([&] { done = true; });
  ASSERT_TRUE(RunUntil([&] { return done; }));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("stopping with attempt 1 of a on portal (published) not recorded"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("reconcile at the next start"), std::string::npos) << err;
  EXPECT_EQ(State("a", "portal"), DeliveryState::kSending);
  engine_.reset();

  other->exec("DROP TRIGGER refuse_attempts");
  Reconciliation found;
  found.kind = Reconciliation::Kind::kPublished;
  found.published = Outcome::Published("remote-a", "https://portal.example.gov.vn/a", 200);
  script->SetReconciliation(found);
  StartEngine();
  ASSERT_TRUE(RunUntil([&] {
    return State("a", "portal") == DeliveryState::kPublished &&
           State("b", "portal") == DeliveryState::kPublished && engine_->InFlight() == 0;
  }));
  EXPECT_EQ(script->Publishes(), 2);  // a once, b once; a was only looked up again
  ExpectLogIsTheAttemptRows();
}

// ---- deliveries.jsonl is a projection of the attempt rows ----------------------------

TEST_F(EngineTest, StartWritesTheLinesOfAttemptsCommittedWithoutThem) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  // A kill between the commit and the append: the row is there, the line not.
  Delivery sent = LeaveSending("a", "portal", clock_.Now());
  AttemptRecord rec;
  rec.delivery_id = sent.id;
  rec.number = 1;
  rec.started_at = clock_.Now();
  rec.ended_at = clock_.Now() + seconds(1);
  rec.outcome = AttemptOutcome::kPublished;
  rec.remote_id = "17";
  rec.remote_url = "https://portal.example.gov.vn/a";
  rec.http_status = 201;
  ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  ASSERT_TRUE(LogLines().empty());

  StartEngine();
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["item"], "a");
  EXPECT_EQ(lines[0]["outcome"], "published");
  EXPECT_EQ(lines[0]["remote_id"], "17");
  EXPECT_EQ(lines[0]["url"], "https://portal.example.gov.vn/a");
  EXPECT_EQ(lines[0]["ts"], FormatUtc(clock_.Now() + seconds(1)));
  EXPECT_EQ(lines[0]["seq"], store_->AttemptsAfter(0, 10)->at(0).seq);
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
}

class DeliveryLogCatchUpTest : public EngineTest {
 protected:
  // Commits one more attempt row (a retry of `id` on portal) without a line.
  void CommitRow(const std::string& id) {
    Delivery d = LeaveSending(id, "portal", clock_.Now());
    AttemptRecord rec;
    rec.delivery_id = d.id;
    rec.number = d.attempts;
    rec.started_at = clock_.Now();
    rec.ended_at = clock_.Now();
    rec.outcome = AttemptOutcome::kRetry;
    rec.next_attempt_at = clock_.Now();
    rec.error = "HTTP 503";
    ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  }
  std::string ReadLog() {
    std::ifstream in(config_.DeliveryLogPath());
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  // The seq of every line that parses, in file order.
  std::vector<int64_t> Seqs() {
    std::istringstream in(ReadLog());
    std::vector<int64_t> out;
    for (std::string line; std::getline(in, line);) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("seq")) out.push_back(j["seq"].get<int64_t>());
    }
    return out;
  }
  std::unique_ptr<DeliveryLog> Reopen() {
    log_.reset();
    auto log = DeliveryLog::Open(config_.DeliveryLogPath());
    EXPECT_TRUE(log.ok());
    return std::move(log).value();
  }
};

TEST_F(DeliveryLogCatchUpTest, TornLastLineIsEndedAndItsAttemptWrittenAgain) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  CommitRow("a");
  CommitRow("a");
  auto caught = log_->CatchUp(*store_);
  ASSERT_TRUE(caught.ok()) << caught.error();
  EXPECT_EQ(*caught, 2);
  EXPECT_EQ(Seqs(), (std::vector<int64_t>{1, 2}));

  // A crash in the middle of writing the second line.
  std::string text = ReadLog();
  const size_t second = text.find('\n') + 1;
  fs::resize_file(config_.DeliveryLogPath(), second + (text.size() - second) / 2);
  CommitRow("a");
  auto log = Reopen();
  caught = log->CatchUp(*store_);
  ASSERT_TRUE(caught.ok()) << caught.error();
  EXPECT_EQ(*caught, 2);
  text = ReadLog();
  EXPECT_EQ(text.back(), '\n');
  // The torn line stands alone, and every row has exactly one whole line.
  EXPECT_EQ(Seqs(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);

  // Caught up: nothing more to write.
  EXPECT_EQ(*log->CatchUp(*store_), 0);
  EXPECT_EQ(*Reopen()->CatchUp(*store_), 0);
}

TEST_F(DeliveryLogCatchUpTest, LogOfAnOlderLoaWithoutSeqIsNotRepeated) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  CommitRow("a");
  CommitRow("a");
  log_.reset();
  {
    std::ofstream old(config_.DeliveryLogPath());
    old << R"({"ts":"2026-12-01T01:00:00.000Z","item":"a","channel":"portal","attempt":1,)"
        << R"("outcome":"retry","remote_id":null,"url":null,"http_status":null,)"
        << R"("latency_ms":0,"error":"HTTP 503"})"
        << "\n";
  }
  auto log = Reopen();
  EXPECT_EQ(*log->CatchUp(*store_), 0);
  CommitRow("a");
  EXPECT_EQ(*log->CatchUp(*store_), 1);
  EXPECT_EQ(Seqs(), (std::vector<int64_t>{3}));
}

TEST_F(DeliveryLogCatchUpTest, ALogThatCannotBeOpenedNeverFailsAndCatchesUpLater) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  CommitRow("a");
  const fs::path path = dir_ / "not-yet" / "deliveries.jsonl";
  auto log = DeliveryLog::Open(path);
  ASSERT_TRUE(log.ok());
  auto caught = (*log)->CatchUp(*store_);
  ASSERT_FALSE(caught.ok());
  EXPECT_NE(caught.error().find(path.string()), std::string::npos) << caught.error();
  fs::create_directories(path.parent_path());
  caught = (*log)->CatchUp(*store_);
  ASSERT_TRUE(caught.ok()) << caught.error();
  EXPECT_EQ(*caught, 1);
}

TEST_F(DeliveryLogCatchUpTest, AMissingLogIsRebuiltFromTheRows) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  CommitRow("a");
  CommitRow("a");
  ASSERT_EQ(*log_->CatchUp(*store_), 2);
  log_.reset();
  fs::remove(config_.DeliveryLogPath());
  EXPECT_EQ(*Reopen()->CatchUp(*store_), 2);
  EXPECT_EQ(Seqs(), (std::vector<int64_t>{1, 2}));
}

// ---- Time is checked, not trusted -----------------------------------------------------

TEST_F(EngineTest, ClockSetBackDoesNotStallMinInterval) {
  AddChannel("portal").min_interval = minutes(10);
  const TimePoint right = clock_.Now();
  // The wall clock runs an hour fast while a is published...
  clock_.JumpWall(hours(1));
  AddItem(MakeItem("a", right, {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  // ...then is corrected. b, due now, waits min_interval from the request,
  // not from the (future) wall time it was stamped with.
  clock_.JumpWall(-hours(1));
  AddItem(MakeItem("b", right, {"portal"}));
  engine_->Wake();
  EXPECT_EQ(engine_->NextWake(), right + minutes(10));
  WakeAt(right + minutes(10));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, StoredStartInTheFutureWaitsNoMoreThanMinIntervalAfterARestart) {
  AddChannel("portal").min_interval = minutes(10);
  const TimePoint now = clock_.Now();
  AddItem(MakeItem("a", now, {"portal"}));
  AddItem(MakeItem("b", now, {"portal"}));
  // Sent by a run whose clock was an hour fast.
  Delivery sent = LeaveSending("a", "portal", now + hours(1));
  AttemptRecord rec;
  rec.delivery_id = sent.id;
  rec.number = 1;
  rec.started_at = now + hours(1);
  rec.ended_at = now + hours(1);
  rec.outcome = AttemptOutcome::kPublished;
  ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  StartEngine();
  EXPECT_EQ(engine_->NextWake(), now + minutes(10));
  WakeAt(now + minutes(10));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, AfterARestartOnlyTheLastRequestSpacesTheNextNotLaterDecisions) {
  // The stored last request start (queue/store_sql.h, channel_history) is
  // what a restarted engine spaces from; a missed row, an operator's cancel
  // and a replacement after it are no requests.
  AddChannel("portal").min_interval = minutes(10);
  const TimePoint now = clock_.Now();
  AddItem(MakeItem("a", now - minutes(5), {"portal"}));
  AddItem(MakeItem("b", now, {"portal"}));
  AddItem(MakeItem("c", now + hours(1), {"portal"}));
  AddItem(MakeItem("d", now + hours(2), {"portal"}));
  Delivery sent = LeaveSending("a", "portal", now - minutes(4));
  AttemptRecord rec;
  rec.delivery_id = sent.id;
  rec.number = 1;
  rec.started_at = now - minutes(4);
  rec.ended_at = now - minutes(4);
  rec.outcome = AttemptOutcome::kPublished;
  ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  AttemptRecord missed;
  missed.delivery_id = Get("c", "portal").id;
  missed.started_at = now - minutes(2);
  missed.ended_at = now - minutes(2);
  missed.outcome = AttemptOutcome::kMissed;
  ASSERT_TRUE(store_->FinishAttempt(missed).ok());
  Store::OperatorDecision cancel;
  cancel.action = Store::OperatorAction::kCancel;
  cancel.post_id = "d";
  ASSERT_TRUE(store_->DecideAsOperator(cancel, now - minutes(1)).ok());
  StartEngine();
  // 10 minutes after the request at now - 4 min, not after the decisions.
  EXPECT_EQ(engine_->NextWake(), now + minutes(6));
  WakeAt(now + minutes(6));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

TEST_F(EngineTest, WallClockJumpIsLoggedWithWhatItDoesToDueItems) {
  AddChannel("portal");
  config_.max_lateness = hours(24);
  const TimePoint start = clock_.Now();
  AddItem(MakeItem("soon", start + minutes(30), {"portal"}));
  AddItem(MakeItem("later", start + hours(2), {"portal"}));
  AddItem(MakeItem("yesterday", start - hours(23), {"portal"}));
  scripts_["portal"]->Block();
  StartEngine();  // yesterday (23 h late) goes at once, and hangs
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));

  testing::internal::CaptureStderr();
  clock_.JumpWall(hours(1) + minutes(2));
  engine_->Wake();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("wall clock jumped forward 1h02m"), std::string::npos) << err;
  EXPECT_NE(err.find(": 1 deliveries due between"), std::string::npos) << err;

  testing::internal::CaptureStderr();
  clock_.JumpWall(-(hours(1) + minutes(2)));
  engine_->Wake();
  err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("wall clock jumped back 1h02m"), std::string::npos) << err;
  EXPECT_NE(err.find("1 scheduled ones due then wait"), std::string::npos) << err;

  // Small steps are not jumps.
  testing::internal::CaptureStderr();
  clock_.JumpWall(seconds(30));
  engine_->Wake();
  err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("wall clock jumped"), std::string::npos) << err;
  scripts_["portal"]->Release();
}

TEST_F(EngineTest, ForwardJumpCountsWhatWillBeMissed) {
  AddChannel("portal");
  config_.max_lateness = hours(1);
  const TimePoint start = clock_.Now();
  AddItem(MakeItem("tonight", start + hours(11) + minutes(30), {"portal"}));
  AddItem(MakeItem("soon", start + minutes(5), {"portal"}));
  StartEngine();
  testing::internal::CaptureStderr();
  clock_.JumpWall(hours(12));
  engine_->Wake();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("2 deliveries due between"), std::string::npos) << err;
  EXPECT_NE(err.find("(1 now later than max_lateness will be marked missed)"), std::string::npos)
      << err;
  EXPECT_EQ(State("soon", "portal"), DeliveryState::kFailed);
  ASSERT_TRUE(RunUntil(StateIs("tonight", "portal", DeliveryState::kPublished)));
}

// ---- Pending: "accepted, not finished, call again with this token" ----------

class PendingTest : public EngineTest {
 protected:
  std::vector<AttemptRecord> Rows(const std::string& item, const std::string& channel) {
    return store_->ListAttempts(Get(item, channel).id).value();
  }
};

// A channel that verifies a post after accepting it (Zalo articles): three
// "come back in 500 ms" answers, then published. The engine schedules every
// poll itself on the injected clock, passes the token back each time, and
// does not hold the polls against max_attempts.
TEST_F(PendingTest, ThreePollsAreScheduledByTheEngineWithTheirToken) {
  AddChannel("zalo").retry.max_attempts = 1;
  auto script = scripts_["zalo"];
  for (int i = 1; i <= 3; ++i) {
    script->Push(Outcome::Pending(milliseconds(500), "verify-" + std::to_string(i),
                                  "article is being checked", 200));
  }
  const TimePoint t0 = clock_.Now();
  AddItem(MakeItem("a", t0, {"zalo"}));
  StartEngine();
  for (int poll = 1; poll <= 3; ++poll) {
    ASSERT_TRUE(RunUntil([&] { return script->Finished() == poll && engine_->InFlight() == 0; }));
    Delivery d = Get("a", "zalo");
    EXPECT_EQ(d.state, DeliveryState::kScheduled);
    EXPECT_EQ(d.resume_token, "verify-" + std::to_string(poll));
    EXPECT_EQ(d.attempts, 0) << "a pending answer gives the try back";
    const TimePoint back = clock_.Now() + milliseconds(500);
    EXPECT_EQ(d.next_attempt_at, back);
    EXPECT_EQ(engine_->NextWake(), back);
    // Not a moment early.
    WakeAt(back - milliseconds(1));
    Drain();
    EXPECT_EQ(script->Publishes(), poll);
    WakeAt(back);
  }
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));

  auto calls = script->Calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].resume_token, "");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(calls[i].resume_token, "verify-" + std::to_string(i));
    EXPECT_EQ(calls[i].attempt, 1) << "the same try, continued";
  }
  Delivery d = Get("a", "zalo");
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.resume_token, "") << "any answer but pending clears the token";
  std::vector<AttemptRecord> rows = Rows("a", "zalo");
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].outcome, AttemptOutcome::kPending);
    EXPECT_EQ(rows[i].number, 1);
    EXPECT_EQ(rows[i].new_state(), DeliveryState::kScheduled);
  }
  EXPECT_EQ(rows[3].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[3].number, 1);
  auto lines = LogLinesFor("a", "zalo");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["outcome"], "pending");
  EXPECT_EQ(lines[3]["outcome"], "published");
  // The token is kept in the store, never written to the log.
  for (const auto& line : LogLines()) {
    EXPECT_EQ(line.dump().find("verify-"), std::string::npos) << line.dump();
  }
}

TEST_F(PendingTest, TheTokenSurvivesARestart) {
  AddChannel("zalo");
  auto script = scripts_["zalo"];
  script->Push(Outcome::Pending(seconds(30), "verify-1", "article is being checked"));
  const TimePoint t0 = clock_.Now();
  AddItem(MakeItem("a", t0, {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script->Finished() == 1 && engine_->InFlight() == 0; }));

  // A new engine on the same store picks the poll up where it was.
  engine_.reset();
  StartEngine();
  Drain();
  EXPECT_EQ(script->Publishes(), 1);
  EXPECT_EQ(engine_->NextWake(), t0 + seconds(30));
  WakeAt(t0 + seconds(30));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  auto calls = script->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].resume_token, "verify-1");
  EXPECT_EQ(Get("a", "zalo").attempts, 1);
}

TEST_F(PendingTest, ACrashWhilePollingReconcilesWithTheToken) {
  AddChannel("zalo");
  auto script = scripts_["zalo"];
  script->Push(Outcome::Pending(seconds(30), "verify-1", "article is being checked"));
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return script->Finished() == 1 && engine_->InFlight() == 0; }));
  engine_.reset();

  // The poll was under way when the process died.
  clock_.Advance(seconds(30));
  LeaveSending("a", "zalo", clock_.Now());
  Reconciliation found;
  found.kind = Reconciliation::Kind::kPublished;
  found.published = Outcome::Published("art-1", "https://zalo.me/art-1");
  script->SetReconciliation(found);
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  auto calls = script->Calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[1].reconcile);
  EXPECT_EQ(calls[1].resume_token, "verify-1");
  EXPECT_EQ(Get("a", "zalo").remote_id, "art-1");
}

TEST_F(PendingTest, AReplacementKeepsADeliveryHoldingAToken) {
  AddChannel("zalo");
  AddChannel("portal");
  scripts_["zalo"]->Push(Outcome::Pending(minutes(1), "verify-1", "article is being checked"));
  Item item = MakeItem("a", clock_.Now(), {"zalo"});
  AddItem(item);
  StartEngine();
  ASSERT_TRUE(
      RunUntil([&] { return scripts_["zalo"]->Finished() == 1 && engine_->InFlight() == 0; }));

  // The editor sends a new version: the channel already has the first one,
  // so sending again would make a second post.
  item.title = "Tiêu đề mới";
  auto out = store_->UpsertPost(item, clock_.Now());
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->kept, std::vector<std::string>{"zalo"});
  EXPECT_TRUE(out->scheduled.empty());
  EXPECT_EQ(Get("a", "zalo").resume_token, "verify-1");
  // Dropping the channel does not cancel it either.
  item.title = "Tiêu đề mới hơn";
  item.channels = {"portal"};
  out = store_->UpsertPost(item, clock_.Now());
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->kept, std::vector<std::string>{"zalo"});
  EXPECT_TRUE(out->cancelled.empty());
  // A retract waits until it is known to be out, like one being sent.
  auto retract = store_->RequestRetract("a", {"zalo"}, clock_.Now());
  ASSERT_TRUE(retract.ok()) << retract.error();
  EXPECT_TRUE(retract->cancelled.empty());
  ASSERT_EQ(retract->awaiting.size(), 1u);

  WakeAt(clock_.Now() + minutes(1));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kRetracted)));
  EXPECT_EQ(scripts_["zalo"]->Publishes(), 2);
  EXPECT_EQ(scripts_["zalo"]->Retracts(), 1);
}

TEST_F(PendingTest, ALatePollIsNeverMissed) {
  config_.max_lateness = minutes(5);
  AddChannel("zalo");
  scripts_["zalo"]->Push(Outcome::Pending(hours(1), "verify-1", "article is being checked"));
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(
      RunUntil([&] { return scripts_["zalo"]->Finished() == 1 && engine_->InFlight() == 0; }));
  WakeAt(clock_.Now() + hours(1));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
}

// ---- A store that refuses to be read ---------------------------------------

// Passes every call to the real store, except that reads fail while
// `failing` is set (as a disk error would make them).
class FlakyStore : public Store {
 public:
  explicit FlakyStore(Store& real) : real_(real) {}
  std::atomic<bool> failing{false};
  std::atomic<int> refused{0};

  using Store::UpsertPost;
  Result<UpsertOutcome> UpsertPost(const Item& item, TimePoint now,
                                   const DropSource& source) override {
    return real_.UpsertPost(item, now, source);
  }
  Result<Item> GetPost(const std::string& id) override {
    if (failing) return Refuse();
    return real_.GetPost(id);
  }
  Result<Item> GetPostRevisionItem(const std::string& id, int revision) override {
    if (failing) return Refuse();
    return real_.GetPostRevisionItem(id, revision);
  }
  Result<Delivery> GetDelivery(int64_t id) override {
    if (failing) return Refuse();
    return real_.GetDelivery(id);
  }
  Result<std::vector<Delivery>> ListDeliveries(const std::string& post_id = "") override {
    if (failing) return Refuse();
    return real_.ListDeliveries(post_id);
  }
  Result<std::vector<Delivery>> InState(DeliveryState state) override {
    if (failing) return Refuse();
    return real_.InState(state);
  }
  Result<std::optional<Delivery>> NextScheduled(const std::string& channel) override {
    if (failing) return Refuse();
    return real_.NextScheduled(channel);
  }
  Result<std::optional<TimePoint>> LastAttemptStart(const std::string& channel) override {
    if (failing) return Refuse();
    return real_.LastAttemptStart(channel);
  }
  Result<std::vector<AttemptRecord>> ListAttempts(int64_t delivery_id) override {
    if (failing) return Refuse();
    return real_.ListAttempts(delivery_id);
  }
  Result<std::vector<AttemptRow>> AttemptsAfter(int64_t after_seq, int limit) override {
    if (failing) return Refuse();
    return real_.AttemptsAfter(after_seq, limit);
  }
  Result<int64_t> LastAttemptSeq() override {
    if (failing) return Refuse();
    return real_.LastAttemptSeq();
  }
  Result<bool> StillRecordable(const AttemptRecord& record) override {
    if (failing) return Refuse();
    return real_.StillRecordable(record);
  }
  Result<Delivery> BeginAttempt(int64_t delivery_id, TimePoint now) override {
    ++sending_in_group;
    return real_.BeginAttempt(delivery_id, now);
  }
  Status FinishAttempt(const AttemptRecord& record) override {
    ++writes_in_group;
    return real_.FinishAttempt(record);
  }
  Result<RetractOutcome> RequestRetract(const std::string& post_id,
                                        const std::vector<std::string>& channels,
                                        TimePoint now) override {
    return real_.RequestRetract(post_id, channels, now);
  }
  Result<std::optional<Delivery>> NextRetract(const std::string& channel) override {
    if (failing) return Refuse();
    return real_.NextRetract(channel);
  }
  using Store::Transition;
  Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                    const std::string& reason, TimePoint now, const std::string& remote_id,
                    const std::string& remote_url) override {
    return real_.Transition(delivery_id, from, to, reason, now, remote_id, remote_url);
  }
  Result<std::vector<OperatorChange>> DecideAsOperator(const OperatorDecision& decision,
                                                       TimePoint now) override {
    return real_.DecideAsOperator(decision, now);
  }
  Result<std::map<std::string, std::map<DeliveryState, int64_t>>> QueueDepths() override {
    if (failing) return Refuse();
    return real_.QueueDepths();
  }
  Result<std::vector<DeliveryListing>> FindDeliveries(const DeliveryFilter& filter) override {
    if (failing) return Refuse();
    return real_.FindDeliveries(filter);
  }
  Result<ChannelLast> LastOutcomes(const std::string& channel) override {
    if (failing) return Refuse();
    return real_.LastOutcomes(channel);
  }
  Result<std::vector<AttemptRow>> AttemptRows(int64_t delivery_id) override {
    if (failing) return Refuse();
    return real_.AttemptRows(delivery_id);
  }
  Result<PostRevision> GetPostRevision(const std::string& id) override {
    if (failing) return Refuse();
    return real_.GetPostRevision(id);
  }
  Result<std::vector<ItemRevision>> ListRevisions(const std::string& post_id) override {
    if (failing) return Refuse();
    return real_.ListRevisions(post_id);
  }
  Result<std::vector<SettledDelivery>> SettledBetween(TimePoint from, TimePoint to) override {
    if (failing) return Refuse();
    return real_.SettledBetween(from, to);
  }
  Status BeginGroup() override {
    if (failing) return Refuse();
    writes_in_group = 0;
    sending_in_group = 0;
    return real_.BeginGroup();
  }
  Status EndGroup() override {
    ++groups;
    largest_group = std::max(largest_group, writes_in_group);
    if (before_end) before_end(*this);
    return real_.EndGroup();
  }
  // Called before a group ends (to undo it, as a full disk would).
  std::function<void(FlakyStore&)> before_end;
  // The sending marks and the outcomes written per group; the largest group.
  int sending_in_group = 0;
  int writes_in_group = 0;
  int largest_group = 0;
  int groups = 0;
  Result<std::vector<SettledDelivery>> LatestSettled(TimePoint from, TimePoint to,
                                                     size_t limit) override {
    if (failing) return Refuse();
    return real_.LatestSettled(from, to, limit);
  }

 private:
  Error Refuse() {
    ++refused;
    return Error{"disk I/O error (injected by the test)", Error::Code::kIOError};
  }
  Store& real_;
};

TEST_F(EngineTest, StoreReadFailureKeepsATimerArmedAndRetries) {
  AddChannel("portal");
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  FlakyStore flaky(*store_);
  engine_store_ = &flaky;
  flaky.failing = true;
  StartEngine();
  // Nothing can be planned, and nothing is taken for "nothing due": the
  // engine keeps asking on its store timer (no wake from outside).
  ASSERT_TRUE(RunUntil([&] { return flaky.refused.load() >= 4; }));
  const int refused = flaky.refused.load();
  ASSERT_TRUE(RunUntil([&] { return flaky.refused.load() > refused; }));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 0);
  EXPECT_EQ(State("a", "portal"), DeliveryState::kScheduled);

  // The store answers again: the delivery goes out without anyone waking
  // the engine.
  flaky.failing = false;
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  ASSERT_EQ(LogLinesFor("a", "portal").size(), 1u);
}

TEST_F(EngineTest, ItemReadFailureLeavesTheDeliveryScheduled) {
  // A store that cannot give the item now is not an item that is gone: the
  // delivery is not failed, and goes once the store answers.
  AddChannel("portal");
  FlakyStore flaky(*store_);
  engine_store_ = &flaky;
  StartEngine();
  Drain();
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  flaky.failing = true;
  engine_->Wake();
  ASSERT_TRUE(RunUntil([&] { return flaky.refused.load() >= 3; }));
  EXPECT_EQ(State("a", "portal"), DeliveryState::kScheduled);
  EXPECT_EQ(Get("a", "portal").attempts, 0);
  flaky.failing = false;
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
}

// Looks from another connection, as another process would, at what is
// committed when a request leaves.
class CommittedStateProbe : public Connector {
 public:
  explicit CommittedStateProbe(fs::path db) : db_(std::move(db)) {}
  Outcome Publish(const PublishRequest& r) override {
    const std::string state = CommittedState(r.item->id, r.channel);
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(state);
    return Outcome::Published("id-" + r.item->id, "https://example.gov.vn/" + r.item->id);
  }
  Reconciliation Reconcile(const PublishRequest&) override { return Reconciliation{}; }
  Outcome Retract(const PublishRequest&, const std::string&) override {
    return Outcome::Published("", "");
  }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::string CommittedState(const std::string& post_id, const std::string& channel) const {
    SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT state FROM deliveries WHERE post_id = ? AND channel = ?");
    st.bind(1, post_id);
    st.bind(2, channel);
    return st.executeStep() ? st.getColumn(0).getString() : "none";
  }

 private:
  fs::path db_;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST_F(EngineTest, GroupedCommitsKeepSendingDurableBeforeTheRequestAndOutcomesBeforeTheirLines) {
  AddChannel("portal").concurrency = 8;
  for (int i = 0; i < 20; ++i) {
    AddItem(MakeItem("tin-" + std::to_string(i), clock_.Now(), {"portal"}));
  }
  FlakyStore counting(*store_);
  engine_store_ = &counting;
  auto probe_owned = std::make_unique<CommittedStateProbe>(config_.DatabasePath());
  CommittedStateProbe* probe = probe_owned.get();
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::move(probe_owned);
  // Each outcome as the rest of the daemon hears of it: committed, as
  // another process sees it, and its line already in deliveries.jsonl.
  std::vector<std::string> at_event;
  bool lines_lag = false;
  StartEngine(std::move(connectors));
  engine_->SetEventSink([&](const EngineEvent& e) {
    if (e.kind != EngineEvent::Kind::kAttempt) return;
    at_event.push_back(probe->CommittedState(e.delivery.post_id, e.channel));
    lines_lag = lines_lag || LogLines().size() < at_event.size();
  });
  ASSERT_TRUE(RunUntil([&] { return at_event.size() == 20; }));
  EXPECT_EQ(probe->Seen().size(), 20u);
  for (const std::string& s : probe->Seen()) EXPECT_EQ(s, "sending");
  for (const std::string& s : at_event) EXPECT_EQ(s, "published");
  EXPECT_FALSE(lines_lag);
  EXPECT_EQ(LogLines().size(), 20u);
  // How many answers shared a commit depends on timing: shown, not judged
  // (StoreTest.AGroupOfWritesCommitsTogetherAndAFailedWriteUndoesOnlyItself
  // holds the group's rules).
  std::printf("20 deliveries, concurrency 8: %d groups of outcomes, the largest %d writes\n",
              counting.groups, counting.largest_group);
}

// The `sending` marks of one dispatch share a commit, and the requests
// leave after it. When SQLite undoes that group (a full disk, an I/O
// error), no request leaves: the deliveries are still scheduled, and go,
// once each, when the store takes writes again.
TEST_F(EngineTest, AnUndoneGroupOfSendingMarksSendsNothingAndIsTriedAgain) {
  AddChannel("portal").concurrency = 4;
  for (int i = 0; i < 3; ++i)
    AddItem(MakeItem("tin-" + std::to_string(i), clock_.Now(), {"portal"}));
  FlakyStore flaky(*store_);
  engine_store_ = &flaky;
  int undone = 0;
  flaky.before_end = [&](FlakyStore& f) {
    if (undone > 0 || f.sending_in_group == 0) return;
    ++undone;
    ASSERT_TRUE(store_->ExecForTest("ROLLBACK").ok());
  };
  auto probe_owned = std::make_unique<CommittedStateProbe>(config_.DatabasePath());
  CommittedStateProbe* probe = probe_owned.get();
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::move(probe_owned);
  StartEngine(std::move(connectors));
  ASSERT_TRUE(RunUntil([&] {
    return State("tin-0", "portal") == DeliveryState::kPublished &&
           State("tin-1", "portal") == DeliveryState::kPublished &&
           State("tin-2", "portal") == DeliveryState::kPublished;
  }));
  EXPECT_EQ(undone, 1);
  // Three requests in all, none for the undone marks, each sent after its
  // `sending` was committed.
  ASSERT_EQ(probe->Seen().size(), 3u);
  for (const std::string& s : probe->Seen()) EXPECT_EQ(s, "sending");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("tin-" + std::to_string(i), "portal").attempts, 1);
  EXPECT_EQ(LogLines().size(), 3u);
}

// ---- deliveries.jsonl is a projection of the store -------------------------

// A random sequence of what happens to a queue — new items, replacements
// with fewer channels, retracts, every kind of answer, missed deliveries,
// restarts — after which every line of deliveries.jsonl is one attempt row,
// in order, and every delivery is in the state its last row says.
TEST_F(EngineTest, DeliveryLogIsAProjectionOfTheStore) {
  uint64_t seed = std::random_device{}();
  if (const char* fixed = std::getenv("LOA_PROPERTY_SEED")) seed = std::stoull(fixed);
  std::cout << "property seed: " << seed << " (rerun with LOA_PROPERTY_SEED=" << seed << ")\n";
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };

  config_.max_lateness = hours(2);
  const std::vector<std::string> channels = {"c1", "c2", "c3"};
  for (const auto& c : channels) {
    ChannelConfig& config = AddChannel(c);
    config.retry.initial = seconds(10);
    config.retry.max_attempts = 3;
  }
  StartEngine();

  auto publish_answer = [&]() -> Outcome {
    switch (pick(7)) {
      case 0:
        return Outcome::Retry(ErrorClass::kTransient, "HTTP 503", 503);
      case 1:
        return Outcome::Pending(seconds(5), "tok-" + std::to_string(pick(1000)), "checking");
      case 2:
        return Outcome::Failed(ErrorClass::kPermanent, "HTTP 400", 400);
      case 3:
        return Outcome::Failed(ErrorClass::kAuth, "HTTP 401", 401);
      case 4:
        return Outcome::Uncertain("connection reset after sending");
      default:
        return Outcome::Published("r" + std::to_string(pick(1000)), "https://x.example/p", 201);
    }
  };
  auto takedown_answer = [&]() -> Outcome {
    switch (pick(3)) {
      case 0:
        return Outcome::Retry(ErrorClass::kTransient, "HTTP 503", 503);
      case 1:
        return Outcome::Failed(ErrorClass::kPermanent, "HTTP 403", 403);
      default:
        return Outcome::Retracted("r", 200);
    }
  };
  auto some_channels = [&] {
    std::vector<std::string> out;
    for (const auto& c : channels) {
      if (pick(2)) out.push_back(c);
    }
    if (out.empty()) out.push_back(channels[pick(3)]);
    return out;
  };
  auto settle = [&] {
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
    Drain();
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
  };

  std::map<std::string, Item> items;
  int next_id = 0;
  int operator_moves = 0;
  for (int step = 0; step < 120; ++step) {
    const int op = pick(12);
    if (op <= 1 || items.empty()) {
      // A new item: due now, soon, or long ago (missed).
      const std::string id = "p" + std::to_string(next_id++);
      TimePoint due = clock_.Now() + minutes(pick(3) * 5);
      if (pick(6) == 0) due = clock_.Now() - hours(3);
      Item item = MakeItem(id, due, some_channels());
      items[id] = item;
      ASSERT_TRUE(store_->UpsertPost(item, clock_.Now()).ok());
    } else if (op == 2) {
      // A replacement, usually with fewer channels.
      auto it = std::next(items.begin(), pick(static_cast<int>(items.size())));
      Item& item = it->second;
      item.title += " (sửa)";
      if (item.channels.size() > 1 && pick(3) != 0) item.channels.pop_back();
      ASSERT_TRUE(store_->UpsertPost(item, clock_.Now()).ok());
    } else if (op == 3) {
      auto it = std::next(items.begin(), pick(static_cast<int>(items.size())));
      ASSERT_TRUE(store_->RequestRetract(it->first, some_channels(), clock_.Now()).ok());
    } else if (op == 4) {
      engine_.reset();
      Drain();
      StartEngine();
    } else if (op >= 10) {
      // An operator's decision (queue/engine_operator.cc): it applies, or is
      // refused for the state the deliveries are in. A few tries, so that
      // most such steps move something.
      for (int tries = 0; tries < 8; ++tries) {
        const std::string id =
            std::next(items.begin(), pick(static_cast<int>(items.size())))->first;
        const std::string channel = pick(2) ? "" : channels[pick(3)];
        const int action = pick(5);
        Result<std::vector<Delivery>> moved = [&]() -> Result<std::vector<Delivery>> {
          switch (action) {
            case 0:
              return engine_->OperatorRetry(id, channel);
            case 1:
              return engine_->OperatorCancel(id, channel);
            case 2:
              return engine_->OperatorReschedule(id, clock_.Now() + minutes(pick(3) * 5));
            case 3:
              return engine_->OperatorResolve(id, channel, true, "https://x.example/op");
            default:
              return engine_->OperatorResolve(id, channel, false, "");
          }
        }();
        if (moved.ok()) {
          ++operator_moves;
          break;
        }
        ASSERT_TRUE(moved.code() == Error::Code::kNotFound || moved.code() == Error::Code::kInvalid)
            << moved.error();
      }
    } else {
      for (const auto& c : channels) {
        scripts_[c]->Push(publish_answer());
        scripts_[c]->PushRetract(takedown_answer());
      }
      clock_.Advance(seconds(pick(4) == 0 ? 1000 : 20));
    }
    // Ingest brings the log up to what the store committed, then wakes.
    ASSERT_TRUE(log_->CatchUp(*store_).ok());
    engine_->Wake();
    settle();
  }
  // Let every retry, poll and probe play out.
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(minutes(20));
    engine_->Wake();
    settle();
  }

  auto rows = store_->AttemptsAfter(0, 1000000);
  ASSERT_TRUE(rows.ok()) << rows.error();
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), rows->size());
  ASSERT_FALSE(rows->empty());
  std::map<std::pair<std::string, std::string>, DeliveryState> last;
  std::set<std::string> outcomes;
  for (size_t i = 0; i < lines.size(); ++i) {
    const AttemptRow& row = (*rows)[i];
    EXPECT_EQ(lines[i]["seq"], row.seq);
    EXPECT_EQ(lines[i]["item"], row.post_id);
    EXPECT_EQ(lines[i]["channel"], row.channel);
    EXPECT_EQ(lines[i]["outcome"], AttemptOutcomeName(row.record.outcome));
    EXPECT_EQ(lines[i].value("actor", std::string("loa")), ActorName(row.record.actor));
    // The state the line says the delivery went to.
    const AttemptAction action =
        lines[i].contains("action") ? AttemptAction::kRetract : AttemptAction::kPublish;
    auto outcome = ParseAttemptOutcome(lines[i]["outcome"].get<std::string>());
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(action, row.record.action);
    last[{row.post_id, row.channel}] = StateAfter(action, *outcome);
    outcomes.insert(AttemptOutcomeName(row.record.outcome));
  }
  // Every state change had its line: the last one says where each delivery is.
  for (const Delivery& d : store_->ListDeliveries().value()) {
    auto it = last.find({d.post_id, d.channel});
    if (it == last.end()) {
      EXPECT_EQ(d.state, DeliveryState::kScheduled) << d.post_id << " on " << d.channel;
      continue;
    }
    EXPECT_EQ(StateName(d.state), std::string(StateName(it->second)))
        << d.post_id << " on " << d.channel << " (seed " << seed << ")";
  }
  std::string seen;
  for (const auto& o : outcomes) seen += o + " ";
  std::cout << "outcomes seen: " << seen << "; operator moves: " << operator_moves << "\n";
}

}  // namespace
}  // namespace loa

namespace loa {
namespace {

// A reload (Engine::Reconfigure) while a call is under way: that call
// finishes on the connector it started with; the next one uses the new one.
TEST_F(EngineTest, ReconfigureSwapsTheConnectorOnlyBetweenCalls) {
  AddChannel("portal");
  AddItem(MakeItem("a", Local("2026-12-01 08:00"), {"portal"}));
  AddItem(MakeItem("b", Local("2026-12-01 08:00"), {"portal"}));
  scripts_["portal"]->Block();
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["portal"]->Publishes() == 1; }));
  const std::string first = scripts_["portal"]->Calls()[0].item;
  const std::string second = first == "a" ? "b" : "a";

  auto fresh = std::make_shared<Script>();
  Config next = config_;
  next.channels["portal"].min_interval = milliseconds(0);
  next.channels["portal"].retry.max_attempts = 3;
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["portal"] = std::make_unique<ScriptedConnector>(fresh);
  engine_->Reconfigure(std::make_shared<const Config>(next), std::move(connectors));
  Drain();
  // The call under way still holds the channel: nothing went on the new one.
  EXPECT_EQ(fresh->Publishes(), 0);
  EXPECT_EQ(engine_->InFlight(), 1);

  scripts_["portal"]->Release();
  ASSERT_TRUE(RunUntil(StateIs(first, "portal", DeliveryState::kPublished)));
  ASSERT_TRUE(RunUntil(StateIs(second, "portal", DeliveryState::kPublished)));
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  ASSERT_EQ(fresh->Publishes(), 1);
  EXPECT_EQ(fresh->Calls()[0].item, second);
}

TEST_F(EngineTest, ReconfigureStartsAnAddedChannel) {
  AddChannel("portal");
  AddItem(MakeItem("a", Local("2026-12-01 08:00"), {"portal", "news"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  Drain();
  EXPECT_EQ(State("a", "news"), DeliveryState::kScheduled);

  auto news = std::make_shared<Script>();
  Config next = config_;
  ChannelConfig c = next.channels["portal"];
  c.name = "news";
  c.settings = std::make_shared<FileSettings>(dir_ / "outbox" / "news");
  next.channels["news"] = c;
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  connectors["news"] = std::make_unique<ScriptedConnector>(news);
  engine_->Reconfigure(std::make_shared<const Config>(next), std::move(connectors));
  ASSERT_TRUE(RunUntil(StateIs("a", "news", DeliveryState::kPublished)));
  EXPECT_EQ(news->Publishes(), 1);
  // The portal kept its connector and made no second call.
  EXPECT_EQ(scripts_["portal"]->Publishes(), 1);
  EXPECT_EQ(engine_->Channels(), (std::vector<std::string>{"news", "portal"}));
}

// A removed channel's call under way is settled; after it the channel takes
// no calls and its deliveries stay as they are.
TEST_F(EngineTest, ReconfigureStopsARemovedChannel) {
  AddChannel("portal");
  AddChannel("news");
  AddItem(MakeItem("a", Local("2026-12-01 08:00"), {"news"}));
  AddItem(MakeItem("b", Local("2026-12-01 09:00"), {"portal", "news"}));
  scripts_["news"]->Block();
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return scripts_["news"]->Publishes() == 1; }));

  Config next = config_;
  next.channels.erase("news");
  engine_->Reconfigure(std::make_shared<const Config>(next), {});
  EXPECT_EQ(engine_->Channels(), (std::vector<std::string>{"portal"}));
  scripts_["news"]->Release();
  ASSERT_TRUE(RunUntil(StateIs("a", "news", DeliveryState::kPublished)));

  WakeAt(Local("2026-12-01 09:00"));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
  Drain();
  EXPECT_EQ(scripts_["news"]->Publishes(), 1);
  EXPECT_EQ(State("b", "news"), DeliveryState::kScheduled);
  EXPECT_EQ(engine_->InFlight(), 0);
}

// logrotate moved deliveries.jsonl away: after Reopen() the next line goes to
// a fresh file, which continues from the moved one's last seq (the history
// is not written again), and the moved file gets nothing more.
TEST_F(EngineTest, TheDeliveryLogReopenedAfterAMoveContinuesInAFreshFile) {
  AddChannel("portal");
  AddItem(MakeItem("a", Local("2026-12-01 08:00"), {"portal"}));
  AddItem(MakeItem("b", Local("2026-12-01 09:00"), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  ASSERT_EQ(LogLines().size(), 1u);
  const int64_t first_seq = LogLines()[0]["seq"].get<int64_t>();
  const fs::path moved = config_.DeliveryLogPath().string() + ".1";
  fs::rename(config_.DeliveryLogPath(), moved);
  ASSERT_TRUE(log_->Reopen().ok());

  WakeAt(Local("2026-12-01 09:00"));
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
  const auto lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["item"], "b");
  EXPECT_EQ(lines[0]["seq"].get<int64_t>(), first_seq + 1);
  std::ifstream old(moved);
  std::string text((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("\"b\""), std::string::npos) << text;
}

}  // namespace
}  // namespace loa
