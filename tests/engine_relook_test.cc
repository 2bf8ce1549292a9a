// Looking again at uncertain deliveries (queue/engine_relook.cc): the
// schedule, what each kind of lookup does, restarts, an operator settling a
// delivery meanwhile, and the whole path against the fake Facebook and Zalo
// servers with the create's answer dropped after the post was made.
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/facebook/facebook_connector.h"
#include "connectors/file/file_settings.h"
#include "connectors/zalo/zalo_connector.h"
#include "contract/connector.h"
#include "queue/attempt.h"
#include "queue/delivery_log.h"
#include "queue/engine.h"
#include "queue/sqlite_store.h"
#include "queue/token_store.h"
#include "tests/fakes/fake_facebook.h"
#include "tests/fakes/fake_zalo.h"

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

// ---- The pure pieces --------------------------------------------------------

TEST(RelookScheduleTest, OneFiveThirtyMinutesAndTwoHoursAfterTheUncertainOutcome) {
  Millis at{0};
  std::vector<Millis> looks;
  for (int done = 0; NextLookIn(done); ++done) {
    at += *NextLookIn(done);
    looks.push_back(at);
  }
  EXPECT_EQ(looks, (std::vector<Millis>{minutes(1), minutes(5), minutes(30), hours(2)}));
  EXPECT_EQ(static_cast<int>(looks.size()), kLooks);
}

TEST(RelookScheduleTest, LooksDoneCountsTheUncertainRowsAfterTheFirst) {
  auto row = [](AttemptOutcome o) {
    AttemptRecord r;
    r.outcome = o;
    return r;
  };
  using O = AttemptOutcome;
  EXPECT_EQ(LooksDone({}), 0);
  EXPECT_EQ(LooksDone({row(O::kRetry), row(O::kUncertain)}), 0);
  EXPECT_EQ(LooksDone({row(O::kRetry), row(O::kUncertain), row(O::kUncertain)}), 1);
  // An operator's retry ended the last spell: only the new one counts.
  EXPECT_EQ(LooksDone({row(O::kUncertain), row(O::kUncertain), row(O::kRetry), row(O::kUncertain),
                       row(O::kUncertain), row(O::kUncertain)}),
            2);
}

// ---- A connector whose answers the test sets -------------------------------

class Script {
 public:
  void PushPublish(Outcome o) {
    std::lock_guard lock(mu_);
    publish_.push_back(std::move(o));
  }
  void PushLook(Reconciliation r) {
    std::lock_guard lock(mu_);
    looks_.push_back(std::move(r));
  }
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
  int publishes() {
    std::lock_guard lock(mu_);
    return publishes_;
  }
  int lookups() {
    std::lock_guard lock(mu_);
    return lookups_;
  }
  std::vector<int> publish_attempts() {
    std::lock_guard lock(mu_);
    return publish_attempts_;
  }

  Outcome OnPublish(const PublishRequest& r) {
    std::unique_lock lock(mu_);
    ++publishes_;
    publish_attempts_.push_back(r.attempt);
    cv_.wait(lock, [&] { return !blocked_; });
    if (publish_.empty()) {
      return Outcome::Published("remote-" + r.item->id, "https://page.example/" + r.item->id, 201);
    }
    Outcome o = publish_.front();
    publish_.pop_front();
    return o;
  }
  Reconciliation OnReconcile(const PublishRequest&) {
    std::unique_lock lock(mu_);
    ++lookups_;
    cv_.wait(lock, [&] { return !blocked_; });
    Reconciliation r;  // unknown, once the script runs out
    r.message = "the platform cannot be asked";
    if (!looks_.empty()) {
      r = looks_.front();
      looks_.pop_front();
    }
    return r;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Outcome> publish_;
  std::deque<Reconciliation> looks_;
  bool blocked_ = false;
  int publishes_ = 0;
  int lookups_ = 0;
  std::vector<int> publish_attempts_;
};

class ScriptedConnector : public Connector {
 public:
  explicit ScriptedConnector(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  Outcome Publish(const PublishRequest& r) override { return s_->OnPublish(r); }
  Reconciliation Reconcile(const PublishRequest& r) override { return s_->OnReconcile(r); }

 private:
  std::shared_ptr<Script> s_;
};

Item MakeItem(const std::string& id, TimePoint publish_at, std::vector<std::string> channels) {
  Item item;
  item.id = id;
  item.title = "Sở Tư pháp thông báo: " + id;
  item.summary = "Tóm tắt.";
  item.body_markdown = "Nội dung **chính** của thông báo.";
  item.publish_at = publish_at;
  item.channels = std::move(channels);
  item.form = "news";
  item.approved_by = "Nguyễn Văn A";
  return item;
}

Reconciliation Found(const std::string& id, const std::string& url) {
  Reconciliation r;
  r.kind = Reconciliation::Kind::kPublished;
  r.published = Outcome::Published(id, url, 200);
  r.message = "found it by its message";
  return r;
}

Reconciliation Absent(std::optional<TimePoint> not_before) {
  Reconciliation r;
  r.kind = Reconciliation::Kind::kAbsent;
  r.not_before = not_before;
  r.message = "no such post";
  return r;
}

class RelookTest : public ::testing::Test {
 protected:
  RelookTest() : clock_(Local("2026-12-01 08:00")) {}

  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "loa-relook-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
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

  ChannelConfig& AddChannel(const std::string& name, const std::string& type = "file") {
    ChannelConfig c;
    c.name = name;
    c.type = type;
    c.settings = std::make_shared<FileSettings>(dir_ / "outbox" / name);
    c.retry.initial = seconds(30);
    c.retry.max_attempts = 3;
    scripts_[name] = std::make_shared<Script>();
    return config_.channels[name] = c;
  }

  void AddItem(const Item& item) {
    auto r = store_->UpsertPost(item, clock_.Now());
    ASSERT_TRUE(r.ok()) << r.error();
  }

  // `real` replaces the scripted connector of its channel.
  void StartEngine(std::map<std::string, std::unique_ptr<Connector>> real = {}) {
    std::map<std::string, std::unique_ptr<Connector>> connectors = std::move(real);
    for (auto& [name, script] : scripts_) {
      if (!connectors.count(name)) connectors[name] = std::make_unique<ScriptedConnector>(script);
    }
    engine_ = std::make_unique<Engine>(io_, std::make_shared<const Config>(config_), *store_, *log_,
                                       env_, std::move(connectors));
    engine_->SetEventSink([this](const EngineEvent& e) { events_.push_back(e); });
    engine_->Start();
  }
  void Restart(std::map<std::string, std::unique_ptr<Connector>> real = {}) {
    engine_.reset();
    Drain();
    StartEngine(std::move(real));
  }

  bool RunUntil(const std::function<bool()>& done, milliseconds timeout = seconds(20)) {
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
      if (steady_clock::now() > deadline) return false;
      io_.run_for(milliseconds(5));
    }
    return true;
  }
  void Drain() {
    for (int i = 0; i < 5; ++i) io_.run_for(milliseconds(2));
  }
  // Moves the clock to `t` and lets everything due by then play out.
  void At(TimePoint t) {
    clock_.Set(t);
    engine_->Wake();
    Settle();
  }
  void Settle() {
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
    Drain();
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
  }

  Delivery Get(const std::string& post_id, const std::string& channel) {
    for (const auto& d : store_->ListDeliveries(post_id).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery " << post_id << " on " << channel;
    return {};
  }
  std::vector<AttemptRecord> Rows(const std::string& post_id, const std::string& channel) {
    return store_->ListAttempts(Get(post_id, channel).id).value();
  }
  int FinalEvents() {
    int n = 0;
    for (const auto& e : events_) n += e.kind == EngineEvent::Kind::kUncertainFinal ? 1 : 0;
    return n;
  }

  // deliveries.jsonl has exactly one line per attempt row, in order, each
  // saying what its row says.
  void ExpectLogMatchesRows() {
    auto rows = store_->AttemptsAfter(0, 100000);
    ASSERT_TRUE(rows.ok()) << rows.error();
    std::ifstream in(config_.DeliveryLogPath());
    std::vector<json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    ASSERT_EQ(lines.size(), rows->size());
    for (size_t i = 0; i < lines.size(); ++i) {
      const AttemptRow& row = (*rows)[i];
      EXPECT_EQ(lines[i]["seq"], row.seq);
      EXPECT_EQ(lines[i]["item"], row.post_id);
      EXPECT_EQ(lines[i]["channel"], row.channel);
      EXPECT_EQ(lines[i]["outcome"], AttemptOutcomeName(row.record.outcome));
      EXPECT_EQ(lines[i]["error"].is_null() ? "" : lines[i]["error"].get<std::string>(),
                row.record.error);
    }
  }

  // Publishes item `id` on `channel` with the first answer uncertain; returns
  // when the delivery is uncertain.
  TimePoint GoUncertain(const std::string& id, const std::string& channel) {
    scripts_[channel]->PushPublish(Outcome::Uncertain("connection reset after the request"));
    AddItem(MakeItem(id, clock_.Now(), {channel}));
    if (!engine_) StartEngine();
    engine_->Wake();
    Settle();
    EXPECT_EQ(Get(id, channel).state, DeliveryState::kUncertain);
    return clock_.Now();
  }

  fs::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  ManualClock clock_;
  TestEnv env_{clock_};
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  std::map<std::string, std::shared_ptr<Script>> scripts_;
  std::unique_ptr<Engine> engine_;
  std::vector<EngineEvent> events_;
};

TEST_F(RelookTest, FoundAtTheFirstLookIsPublishedWithItsIdAndLink) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  // The first look is planned, in the store, a minute after the outcome.
  EXPECT_EQ(Get("a", "facebook").next_attempt_at, t0 + minutes(1));
  EXPECT_EQ(engine_->NextWake(), t0 + minutes(1));

  scripts_["facebook"]->PushLook(Found("104_999", "https://www.facebook.com/104/posts/999"));
  At(t0 + seconds(59));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 0);
  At(t0 + minutes(1));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 1);

  const Delivery d = Get("a", "facebook");
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_EQ(d.remote_id, "104_999");
  EXPECT_EQ(d.remote_url, "https://www.facebook.com/104/posts/999");
  EXPECT_FALSE(d.next_attempt_at.has_value());
  EXPECT_EQ(scripts_["facebook"]->publishes(), 1);  // never sent again

  auto rows = Rows("a", "facebook");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kUncertain);
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[1].number, 1);  // a look is not a try
  EXPECT_EQ(rows[1].remote_id, "104_999");
  EXPECT_EQ(rows[1].started_at, t0 + minutes(1));
  EXPECT_EQ(rows[1].error.rfind("looked again (1 of 4): found on the channel", 0), 0u)
      << rows[1].error;
  EXPECT_EQ(FinalEvents(), 0);
  EXPECT_FALSE(engine_->NextWake().has_value());
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, AbsentIsSentAgainOnceNoEarlierThanNotBefore) {
  AddChannel("zalo");
  const TimePoint t0 = GoUncertain("a", "zalo");
  const TimePoint look = t0 + minutes(1);
  scripts_["zalo"]->PushLook(Absent(look + seconds(30)));
  At(look);
  Delivery d = Get("a", "zalo");
  EXPECT_EQ(d.state, DeliveryState::kScheduled);
  EXPECT_EQ(d.next_attempt_at, look + seconds(30));
  EXPECT_EQ(scripts_["zalo"]->publishes(), 1);

  At(look + seconds(29));
  EXPECT_EQ(scripts_["zalo"]->publishes(), 1);
  At(look + seconds(30));
  EXPECT_EQ(scripts_["zalo"]->publishes(), 2);
  EXPECT_EQ(Get("a", "zalo").state, DeliveryState::kPublished);
  // The resend is the next try: the connector looks before it creates.
  EXPECT_EQ(scripts_["zalo"]->publish_attempts(), (std::vector<int>{1, 2}));

  auto rows = Rows("a", "zalo");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(rows[1].error.rfind("looked again (1 of 4): not on the channel, sending again", 0), 0u)
      << rows[1].error;
  EXPECT_EQ(rows[2].outcome, AttemptOutcome::kPublished);
  At(look + hours(5));
  EXPECT_EQ(scripts_["zalo"]->publishes(), 2);
  EXPECT_EQ(scripts_["zalo"]->lookups(), 1);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, AbsentAfterTheLastTryStillSendsAgain) {
  // The try that ended uncertain was the channel's last (max_attempts 1):
  // only now is it known that it did not go out, so it is sent once more.
  AddChannel("zalo").retry.max_attempts = 1;
  const TimePoint t0 = GoUncertain("a", "zalo");
  scripts_["zalo"]->PushLook(Absent(std::nullopt));
  At(t0 + minutes(1));
  EXPECT_EQ(Get("a", "zalo").state, DeliveryState::kPublished);
  EXPECT_EQ(scripts_["zalo"]->publishes(), 2);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, UnknownAtEveryLookEndsUncertainWithOneAlert) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  const std::vector<TimePoint> looks = {t0 + minutes(1), t0 + minutes(5), t0 + minutes(30),
                                        t0 + hours(2)};
  for (size_t i = 0; i < looks.size(); ++i) {
    EXPECT_EQ(engine_->NextWake(), looks[i]) << "look " << i + 1;
    At(looks[i] - seconds(1));
    EXPECT_EQ(scripts_["facebook"]->lookups(), static_cast<int>(i));
    At(looks[i]);
    EXPECT_EQ(scripts_["facebook"]->lookups(), static_cast<int>(i + 1));
    EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain);
    EXPECT_EQ(FinalEvents(), i + 1 == looks.size() ? 1 : 0);
  }
  EXPECT_FALSE(Get("a", "facebook").next_attempt_at.has_value());
  EXPECT_FALSE(engine_->NextWake().has_value());

  auto rows = Rows("a", "facebook");
  ASSERT_EQ(rows.size(), 5u);
  for (int k = 1; k <= 4; ++k) {
    EXPECT_EQ(rows[k].outcome, AttemptOutcome::kUncertain);
    EXPECT_EQ(rows[k].error.rfind("looked again (" + std::to_string(k) + " of 4): ", 0), 0u)
        << rows[k].error;
  }
  EXPECT_NE(rows[4].error.find("that was the last look"), std::string::npos) << rows[4].error;

  // Nothing more: not later, not after a restart.
  At(t0 + hours(10));
  Restart();
  Settle();
  At(t0 + hours(20));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 4);
  EXPECT_EQ(scripts_["facebook"]->publishes(), 1);
  EXPECT_EQ(FinalEvents(), 1);
  const EngineEvent* final_event = nullptr;
  for (const auto& e : events_) {
    if (e.kind == EngineEvent::Kind::kUncertainFinal) final_event = &e;
  }
  ASSERT_NE(final_event, nullptr);
  EXPECT_EQ(final_event->channel, "facebook");
  EXPECT_EQ(final_event->delivery.post_id, "a");
  EXPECT_EQ(final_event->record.look, 4);
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, ARestartBetweenLooksContinuesTheSchedule) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  At(t0 + minutes(1));
  At(t0 + minutes(5));
  ASSERT_EQ(scripts_["facebook"]->lookups(), 2);
  EXPECT_EQ(Get("a", "facebook").next_attempt_at, t0 + minutes(30));

  clock_.Set(t0 + minutes(10));
  Restart();
  Settle();
  // Not started over: the third look keeps its time and its number.
  EXPECT_EQ(engine_->NextWake(), t0 + minutes(30));
  At(t0 + minutes(29));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 2);
  scripts_["facebook"]->PushLook(Found("104_7", "https://www.facebook.com/104/posts/7"));
  At(t0 + minutes(30));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 3);
  auto rows = Rows("a", "facebook");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].error.rfind("looked again (3 of 4)", 0), 0u) << rows[3].error;
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kPublished);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, ALookMissedWhileStoppedIsMadeAtStartUp) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  engine_.reset();
  Drain();
  clock_.Set(t0 + hours(1));  // the first look was due while loa was down
  StartEngine();
  Settle();
  EXPECT_EQ(scripts_["facebook"]->lookups(), 1);
  // The next one counts from that look, not from the outcome.
  EXPECT_EQ(Get("a", "facebook").next_attempt_at, t0 + hours(1) + minutes(4));
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, UncertainFromBeforeIsLookedAtFromStartUp) {
  // A delivery left uncertain by a loa that did not look again: no look
  // planned (next_attempt_at NULL).
  AddChannel("facebook");
  AddItem(MakeItem("old", clock_.Now(), {"facebook"}));
  auto begun = store_->BeginAttempt(Get("old", "facebook").id, clock_.Now());
  ASSERT_TRUE(begun.ok()) << begun.error();
  AttemptRecord rec;
  rec.delivery_id = begun->id;
  rec.number = 1;
  rec.started_at = rec.ended_at = clock_.Now();
  rec.outcome = AttemptOutcome::kUncertain;
  rec.error = "the answer was lost";
  ASSERT_TRUE(store_->FinishAttempt(rec).ok());
  ASSERT_TRUE(log_->CatchUp(*store_).ok());
  ASSERT_FALSE(Get("old", "facebook").next_attempt_at.has_value());

  const TimePoint start = clock_.Now() + hours(48);
  clock_.Set(start);
  StartEngine();
  Settle();
  EXPECT_EQ(scripts_["facebook"]->lookups(), 0);
  EXPECT_EQ(engine_->NextWake(), start + minutes(1));
  At(start + minutes(1));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 1);
  EXPECT_EQ(Get("old", "facebook").next_attempt_at, start + minutes(5));
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, AtStartUnknownReconcileIsLookedAtToo) {
  AddChannel("facebook");
  AddItem(MakeItem("a", clock_.Now(), {"facebook"}));
  ASSERT_TRUE(store_->BeginAttempt(Get("a", "facebook").id, clock_.Now()).ok());
  // The reconcile at start cannot tell; the first look a minute later finds it.
  scripts_["facebook"]->PushLook(Reconciliation{});
  scripts_["facebook"]->PushLook(Found("104_1", "https://www.facebook.com/104/posts/1"));
  const TimePoint start = clock_.Now();
  StartEngine();
  Settle();
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain);
  EXPECT_EQ(Get("a", "facebook").next_attempt_at, start + minutes(1));
  At(start + minutes(1));
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kPublished);
  EXPECT_EQ(scripts_["facebook"]->publishes(), 0);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, ALookWhoseDeliveryTheOperatorSettledIsDropped) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  scripts_["facebook"]->Block();
  scripts_["facebook"]->PushLook(Found("104_5", "https://www.facebook.com/104/posts/5"));
  clock_.Set(t0 + minutes(1));
  engine_->Wake();
  ASSERT_TRUE(RunUntil([&] { return scripts_["facebook"]->lookups() == 1; }));
  // Meanwhile the operator looked and says it is not there.
  ASSERT_TRUE(store_
                  ->Transition(Get("a", "facebook").id, DeliveryState::kUncertain,
                               DeliveryState::kFailed, "operator: not on the Page", clock_.Now())
                  .ok());
  scripts_["facebook"]->Release();
  Settle();
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kFailed);
  EXPECT_EQ(engine_->HeldOutcomes(), 0u);
  EXPECT_EQ(Rows("a", "facebook").size(), 2u);  // the outcome and the operator's row
  // The channel is not held back by the dropped look.
  AddItem(MakeItem("b", clock_.Now(), {"facebook"}));
  engine_->Wake();
  Settle();
  EXPECT_EQ(Get("b", "facebook").state, DeliveryState::kPublished);
  ASSERT_TRUE(log_->CatchUp(*store_).ok());
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, OperatorDecisionsWaitForALookUnderWay) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  scripts_["facebook"]->Block();
  scripts_["facebook"]->PushLook(Found("104_5", "https://www.facebook.com/104/posts/5"));
  clock_.Set(t0 + minutes(1));
  engine_->Wake();
  ASSERT_TRUE(RunUntil([&] { return scripts_["facebook"]->lookups() == 1; }));
  // A retry now could send a post the look is about to find: refused, and
  // so is a resolve racing the look's answer; nothing changes.
  auto retry = engine_->OperatorRetry("a", "");
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.code(), Error::Code::kInvalid);
  EXPECT_NE(retry.error().find("looking up"), std::string::npos) << retry.error();
  auto resolve = engine_->OperatorResolve("a", "facebook", false, "");
  ASSERT_FALSE(resolve.ok());
  EXPECT_EQ(Rows("a", "facebook").size(), 1u);
  scripts_["facebook"]->Release();
  Settle();
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kPublished);
  EXPECT_EQ(scripts_["facebook"]->publishes(), 1);
  // Once the look is back the operator decides as usual (here: nothing to retry).
  auto after = engine_->OperatorRetry("a", "facebook");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().find("looking up"), std::string::npos) << after.error();
  ASSERT_TRUE(log_->CatchUp(*store_).ok());
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, ALookKeepsTheChannelsSpacingAndGoesOneAtATime) {
  AddChannel("facebook").min_interval = minutes(10);
  const TimePoint t0 = GoUncertain("a", "facebook");
  // A minute after the outcome, but the request that ended uncertain was
  // sent at t0: ten minutes between requests.
  EXPECT_EQ(engine_->NextWake(), t0 + minutes(10));
  At(t0 + minutes(9));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 0);

  // A new item due now waits too, and behind the look due before it: one
  // call at a time.
  AddItem(MakeItem("b", t0 + minutes(9), {"facebook"}));
  scripts_["facebook"]->Block();
  clock_.Set(t0 + minutes(10));
  engine_->Wake();
  ASSERT_TRUE(RunUntil([&] { return scripts_["facebook"]->lookups() == 1; }));
  Drain();
  EXPECT_EQ(scripts_["facebook"]->publishes(), 1);
  EXPECT_EQ(engine_->InFlight(), 1);
  scripts_["facebook"]->Release();
  Settle();
  // The publish of b is spaced after the look, as after any request; then
  // it goes before the second look (due at t0 + 14m, after b).
  EXPECT_EQ(Get("b", "facebook").state, DeliveryState::kScheduled);
  At(t0 + minutes(19));
  EXPECT_EQ(Get("b", "facebook").state, DeliveryState::kScheduled);
  At(t0 + minutes(20));
  EXPECT_EQ(Get("b", "facebook").state, DeliveryState::kPublished);
  EXPECT_EQ(scripts_["facebook"]->lookups(), 1);
  EXPECT_EQ(engine_->NextWake(), t0 + minutes(30));
  At(t0 + minutes(30));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 2);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, LooksWaitWhileTheChannelIsPausedForAuth) {
  AddChannel("facebook");
  const TimePoint t0 = GoUncertain("a", "facebook");
  scripts_["facebook"]->PushPublish(Outcome::Failed(ErrorClass::kAuth, "token expired", 401));
  AddItem(MakeItem("b", t0, {"facebook"}));
  engine_->Wake();
  Settle();
  ASSERT_EQ(engine_->PausedChannels().count("facebook"), 1u);
  At(t0 + minutes(5));
  EXPECT_EQ(scripts_["facebook"]->lookups(), 0);
  At(t0 + Engine::kAuthProbeInterval + minutes(1));
  EXPECT_GE(scripts_["facebook"]->lookups(), 1);
  ExpectLogMatchesRows();
}

TEST_F(RelookTest, TheStoreTakesALookOnlyWhileTheDeliveryIsUncertain) {
  AddChannel("facebook");
  AddItem(MakeItem("a", clock_.Now(), {"facebook"}));
  auto begun = store_->BeginAttempt(Get("a", "facebook").id, clock_.Now());
  ASSERT_TRUE(begun.ok()) << begun.error();
  AttemptRecord look;
  look.delivery_id = begun->id;
  look.number = 1;
  look.started_at = look.ended_at = clock_.Now();
  look.outcome = AttemptOutcome::kPublished;
  look.look = 1;
  // Sending: a look's row does not belong there.
  EXPECT_FALSE(*store_->StillRecordable(look));
  Status refused = store_->FinishAttempt(look);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), Error::Code::kInvalid);

  AttemptRecord lost = look;
  lost.look = 0;
  lost.outcome = AttemptOutcome::kUncertain;
  lost.next_attempt_at = clock_.Now() + minutes(1);
  ASSERT_TRUE(store_->FinishAttempt(lost).ok());
  // The next look is kept on the uncertain delivery.
  EXPECT_EQ(Get("a", "facebook").next_attempt_at, clock_.Now() + minutes(1));
  EXPECT_TRUE(*store_->StillRecordable(look));
  AttemptRecord cancelled = look;
  cancelled.outcome = AttemptOutcome::kCancelled;
  EXPECT_FALSE(*store_->StillRecordable(cancelled));
  ASSERT_TRUE(store_->FinishAttempt(look).ok());
  EXPECT_EQ(Get("a", "facebook").state, DeliveryState::kPublished);
  EXPECT_FALSE(Get("a", "facebook").next_attempt_at.has_value());
  // Published now: a second look's row is refused.
  EXPECT_FALSE(*store_->StillRecordable(look));
}

// ---- Against the fake platforms ---------------------------------------------

constexpr char kPage[] = "104857600123456";
constexpr char kPageToken[] = "EAAGm0PX4ZCpsBAFakePageToken123";
constexpr char kAppSecret[] = "f1e2d3c4b5a6978800112233445566ff";

class RelookFacebookTest : public RelookTest {
 protected:
  std::map<std::string, std::unique_ptr<Connector>> Real(Millis timeout = seconds(5)) {
    FacebookSettings s;
    s.page_id = kPage;
    s.graph_base_url = fb_.graph_base_url();
    s.http.timeout = timeout;
    auto c = FacebookConnector::Create(clock_, s, kPageToken, kAppSecret,
                                       config_.channels["facebook"].retry.max_attempts);
    EXPECT_TRUE(c.ok()) << c.error();
    std::map<std::string, std::unique_ptr<Connector>> out;
    out["facebook"] = std::move(c).value();
    return out;
  }
  std::vector<fakes::FakeFacebook::Post> LivePosts() {
    std::vector<fakes::FakeFacebook::Post> live;
    for (auto& p : fb_.posts()) {
      if (!p.deleted) live.push_back(p);
    }
    return live;
  }

  fakes::FakeFacebook fb_{kPage, kPageToken, kAppSecret, &clock_};
};

TEST_F(RelookFacebookTest, AnswerDroppedAfterThePostWasMadeIsFoundAtTheFirstLook) {
  AddChannel("facebook", "facebook");
  fb_.DropAfterCreateNext("feed");
  AddItem(MakeItem("a", clock_.Now(), {"facebook"}));
  const TimePoint t0 = clock_.Now();
  StartEngine(Real());
  Settle();
  ASSERT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain)
      << Get("a", "facebook").last_error;
  ASSERT_EQ(LivePosts().size(), 1u);  // Graph made it; its answer was lost

  At(t0 + minutes(1));
  const Delivery d = Get("a", "facebook");
  ASSERT_EQ(d.state, DeliveryState::kPublished) << d.last_error;
  auto posts = LivePosts();
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(d.remote_id, posts[0].id);
  EXPECT_EQ(d.remote_url, posts[0].permalink_url);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
  At(t0 + hours(5));
  EXPECT_EQ(LivePosts().size(), 1u);
  ExpectLogMatchesRows();
}

TEST_F(RelookFacebookTest, Code2AfterTheCreateIsFoundAtTheFirstLook) {
  AddChannel("facebook", "facebook");
  fb_.ErrorAfterCreateNext("feed", 2);
  AddItem(MakeItem("a", clock_.Now(), {"facebook"}));
  const TimePoint t0 = clock_.Now();
  StartEngine(Real());
  Settle();
  ASSERT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain);
  At(t0 + minutes(1));
  ASSERT_EQ(Get("a", "facebook").state, DeliveryState::kPublished);
  ASSERT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(Get("a", "facebook").remote_id, LivePosts()[0].id);
  EXPECT_EQ(fb_.CountRequests("POST", fb_.PagePath("feed")), 1u);
  ExpectLogMatchesRows();
}

TEST_F(RelookFacebookTest, NothingMadeIsAbsentAndSentOnce) {
  // The create hung past the client's timeout and Graph made nothing: the
  // look finds nothing, says so only once a late create could have landed,
  // and the post is sent once.
  AddChannel("facebook", "facebook");
  fakes::FakeFacebook::Fault hang;
  hang.kind = fakes::FakeFacebook::Fault::Kind::kHang;
  hang.hang = milliseconds(700);
  hang.method = "POST";
  hang.edge = "feed";
  fb_.InjectFault(hang);
  AddItem(MakeItem("a", clock_.Now(), {"facebook"}));
  const TimePoint t0 = clock_.Now();
  StartEngine(Real(milliseconds(300)));
  Settle();
  ASSERT_EQ(Get("a", "facebook").state, DeliveryState::kUncertain);
  ASSERT_TRUE(LivePosts().empty());

  At(t0 + minutes(1));
  Delivery d = Get("a", "facebook");
  ASSERT_EQ(d.state, DeliveryState::kScheduled) << d.last_error;
  ASSERT_TRUE(d.next_attempt_at.has_value());
  EXPECT_GT(*d.next_attempt_at, t0 + minutes(1));  // not_before: a late create may land
  At(*d.next_attempt_at);
  d = Get("a", "facebook");
  ASSERT_EQ(d.state, DeliveryState::kPublished) << d.last_error;
  ASSERT_EQ(LivePosts().size(), 1u);
  EXPECT_EQ(d.remote_id, LivePosts()[0].id);
  EXPECT_EQ(d.attempts, 2);
  ExpectLogMatchesRows();
}

constexpr char kAppId[] = "4291763606161179100";
constexpr char kSecretKey[] = "ZLsecret_Hq8vN2mX5kT9pR3w";
constexpr char kSeed[] = "ZLrt_seed_Bf6yL1cJ4sD7gK0u";

class RelookZaloTest : public RelookTest {
 protected:
  std::map<std::string, std::unique_ptr<Connector>> Real() {
    if (!vault_) {
      auto v = TokenStore::Open(config_.DatabasePath());
      EXPECT_TRUE(v.ok()) << v.error();
      vault_ = std::move(v).value();
    }
    ZaloSettings s;
    s.app_id = kAppId;
    s.secret_key_file = "unused";
    s.refresh_token_file = "unused";
    s.api_base_url = zalo_.base_url();
    s.oauth_base_url = zalo_.base_url();
    s.author = "Sở Tư pháp";
    s.cover_url = "https://stp.example.gov.vn/banner.jpg";
    s.http.timeout = seconds(5);
    ZaloConnector::Injected injected;
    injected.secret_key = kSecretKey;
    injected.read_seed = [] { return Result<std::string>(std::string(kSeed)); };
    injected.vault = vault_.get();
    injected.clock = &clock_;
    auto c = ZaloConnector::Create(s, "zalo", config_.channels["zalo"].retry.max_attempts,
                                   std::move(injected));
    EXPECT_TRUE(c.ok()) << c.error();
    std::map<std::string, std::unique_ptr<Connector>> out;
    out["zalo"] = std::move(c).value();
    return out;
  }
  void TearDown() override {
    RelookTest::TearDown();
    vault_.reset();
  }

  fakes::FakeZalo zalo_{kAppId, kSecretKey, kSeed, clock_};
  std::unique_ptr<TokenStore> vault_;
};

TEST_F(RelookZaloTest, AnswerDroppedAfterTheArticleWasMadeIsFoundAtTheFirstLook) {
  AddChannel("zalo", "zalo");
  zalo_.DropAfterCreateNext();
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  const TimePoint t0 = clock_.Now();
  StartEngine(Real());
  Settle();
  ASSERT_EQ(Get("a", "zalo").state, DeliveryState::kUncertain) << Get("a", "zalo").last_error;
  ASSERT_EQ(zalo_.articles().size(), 1u);

  At(t0 + minutes(1));
  const Delivery d = Get("a", "zalo");
  ASSERT_EQ(d.state, DeliveryState::kPublished) << d.last_error;
  auto articles = zalo_.articles();
  ASSERT_EQ(articles.size(), 1u);
  EXPECT_EQ(d.remote_id, articles[0].id);
  EXPECT_EQ(d.remote_url, articles[0].link_view);
  EXPECT_EQ(zalo_.CountRequests(fakes::FakeZalo::kCreateRoute), 1u);
  At(t0 + hours(5));
  EXPECT_EQ(zalo_.articles().size(), 1u);
  ExpectLogMatchesRows();
}

}  // namespace
}  // namespace loa
