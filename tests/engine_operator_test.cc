// An operator's decisions (Engine::OperatorRetry / OperatorCancel /
// OperatorReschedule / OperatorResolve, queue/engine_operator.cc) against a
// real SQLite file and deliveries.jsonl, with a manual clock and a test
// connector on the engine's real worker threads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "connectors/file/file_settings.h"
#include "queue/delivery_log.h"
#include "queue/engine.h"
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
  std::string pattern = (fs::temp_directory_path() / "loa-operator-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return fs::path(pattern);
}

// What a channel answers, in order (then: published), and a gate that holds
// calls while closed. Shared by the test thread and the channel's worker.
class Answers {
 public:
  void Push(Outcome o) {
    std::lock_guard lock(mu_);
    outcomes_.push_back(std::move(o));
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
  int Publishes() {
    std::lock_guard lock(mu_);
    return publishes_;
  }
  Outcome Next(const PublishRequest& r) {
    std::unique_lock lock(mu_);
    ++publishes_;
    cv_.wait(lock, [&] { return !blocked_; });
    Outcome o =
        Outcome::Published("r-" + r.item->id, "https://portal.example.gov.vn/" + r.item->id, 201);
    if (!outcomes_.empty()) {
      o = outcomes_.front();
      outcomes_.pop_front();
    }
    return o;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Outcome> outcomes_;
  bool blocked_ = false;
  int publishes_ = 0;
};

class AnsweringConnector : public Connector {
 public:
  explicit AnsweringConnector(std::shared_ptr<Answers> answers) : answers_(std::move(answers)) {}
  Outcome Publish(const PublishRequest& r) override { return answers_->Next(r); }
  Reconciliation Reconcile(const PublishRequest&) override { return Reconciliation{}; }

 private:
  std::shared_ptr<Answers> answers_;
};

Item MakeItem(const std::string& id, TimePoint publish_at, std::vector<std::string> channels) {
  Item item;
  item.id = id;
  item.title = "Sở Tư pháp: " + id;
  item.summary = "Tóm tắt.";
  item.body_markdown = "Nội dung.";
  item.publish_at = publish_at;
  item.channels = std::move(channels);
  item.topics = {"mot-cua"};
  return item;
}

class OperatorTest : public ::testing::Test {
 protected:
  OperatorTest() : clock_(Local("2026-12-01 08:00")) {}

  void SetUp() override {
    dir_ = MakeTempDir();
    config_.config_dir = dir_;
    config_.timezone = kZone;
    config_.state_dir = dir_ / "state";
    config_.inbox = dir_ / "inbox";
    config_.log_dir = dir_ / "log";
    config_.shutdown_timeout = seconds(5);
    config_.max_lateness = hours(1);
    fs::create_directories(config_.state_dir);
    fs::create_directories(config_.log_dir);
    for (const char* name : {"portal", "zalo"}) {
      ChannelConfig c;
      c.name = name;
      c.type = "file";
      c.settings = std::make_shared<FileSettings>(dir_ / "outbox" / name);
      c.retry.initial = seconds(30);
      c.retry.max_attempts = 5;
      config_.channels[name] = c;
      answers_[name] = std::make_shared<Answers>();
    }
    store_ = std::move(SqliteStore::Open(config_.DatabasePath())).value();
    log_ = std::move(DeliveryLog::Open(config_.DeliveryLogPath())).value();
  }

  void TearDown() override {
    for (auto& [name, answers] : answers_) answers->Release();
    engine_.reset();
    io_.run_for(milliseconds(10));
    fs::remove_all(dir_);
  }

  void StartEngine() {
    std::map<std::string, std::unique_ptr<Connector>> connectors;
    for (auto& [name, answers] : answers_) {
      connectors[name] = std::make_unique<AnsweringConnector>(answers);
    }
    engine_ = std::make_unique<Engine>(io_, std::make_shared<const Config>(config_), *store_, *log_,
                                       env_, std::move(connectors));
    engine_->SetEventSink([this](const EngineEvent& e) {
      if (e.kind == EngineEvent::Kind::kAttempt) events_.push_back(e);
    });
    engine_->Start();
  }

  void AddItem(const Item& item) { ASSERT_TRUE(store_->UpsertPost(item, clock_.Now()).ok()); }

  bool RunUntil(const std::function<bool()>& done) {
    auto deadline = steady_clock::now() + seconds(10);
    while (!done()) {
      if (steady_clock::now() > deadline) return false;
      io_.run_for(milliseconds(5));
    }
    return true;
  }
  void Settle() {
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
    for (int i = 0; i < 5; ++i) io_.run_for(milliseconds(2));
    ASSERT_TRUE(RunUntil([&] { return engine_->InFlight() == 0; }));
  }
  void WakeAt(TimePoint t) {
    clock_.Set(t);
    engine_->Wake();
    Settle();
  }

  Delivery Get(const std::string& post_id, const std::string& channel) {
    for (const auto& d : store_->ListDeliveries(post_id).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery " << post_id << " on " << channel;
    return {};
  }
  std::function<bool()> StateIs(const std::string& post_id, const std::string& channel,
                                DeliveryState s) {
    return [=, this] { return Get(post_id, channel).state == s; };
  }

  std::vector<json> LogLines() {
    std::ifstream in(config_.DeliveryLogPath());
    std::vector<json> lines;
    std::string line;
    while (std::getline(in, line)) lines.push_back(json::parse(line));
    return lines;
  }
  std::vector<AttemptRecord> Rows(const std::string& post_id, const std::string& channel) {
    return store_->ListAttempts(Get(post_id, channel).id).value();
  }

  // The store and the log as they are, to show a refusal changed nothing.
  struct Snapshot {
    std::vector<std::string> deliveries;
    size_t rows = 0;
    size_t lines = 0;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Take() {
    Snapshot s;
    for (const Delivery& d : store_->ListDeliveries().value()) {
      s.deliveries.push_back(
          d.post_id + "/" + d.channel + "/" + StateName(d.state) + "/" +
          std::to_string(ToUnixMillis(d.due_at)) + "/" + std::to_string(d.attempts) + "/" +
          std::to_string(d.next_attempt_at ? ToUnixMillis(*d.next_attempt_at) : -1) + "/" +
          d.resume_token + "/" + d.remote_url);
    }
    s.rows = store_->AttemptsAfter(0, 100000).value().size();
    s.lines = LogLines().size();
    return s;
  }

  // The last line of the log is the operator's, about `item` on `channel`,
  // with `outcome`; it matches the last attempt row.
  void ExpectOperatorLine(const std::string& item, const std::string& channel,
                          const std::string& outcome) {
    auto lines = LogLines();
    ASSERT_FALSE(lines.empty());
    const json& last = lines.back();
    EXPECT_EQ(last["item"], item);
    EXPECT_EQ(last["channel"], channel);
    EXPECT_EQ(last["outcome"], outcome);
    EXPECT_EQ(last["actor"], "operator");
    auto rows = store_->AttemptsAfter(0, 100000).value();
    ASSERT_EQ(rows.size(), lines.size());
    EXPECT_EQ(last["seq"], rows.back().seq);
    EXPECT_EQ(rows.back().record.actor, Actor::kOperator);
  }
  int OperatorEvents() {
    int n = 0;
    for (const auto& e : events_) n += e.record.actor == Actor::kOperator ? 1 : 0;
    return n;
  }

  fs::path dir_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_ = asio::make_work_guard(io_);
  ManualClock clock_;
  TestEnv env_{clock_};
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DeliveryLog> log_;
  std::map<std::string, std::shared_ptr<Answers>> answers_;
  std::unique_ptr<Engine> engine_;
  std::vector<EngineEvent> events_;
};

// ---- retry -------------------------------------------------------------------

TEST_F(OperatorTest, RetryOfAFailedDeliveryIsPublishedByTheEngine) {
  answers_["portal"]->Push(Outcome::Failed(ErrorClass::kPermanent, "HTTP 400", 400));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kFailed)));
  Settle();

  // Long after max_lateness: the retry is due now, not missed for the old time.
  clock_.Advance(hours(3));
  auto changed = engine_->OperatorRetry("a", "portal");
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].state, DeliveryState::kScheduled);
  EXPECT_EQ((*changed)[0].attempts, 0);
  EXPECT_EQ((*changed)[0].due_at, clock_.Now());
  EXPECT_EQ((*changed)[0].last_error, "");

  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  Settle();
  EXPECT_EQ(answers_["portal"]->Publishes(), 2);
  auto rows = Rows("a", "portal");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ(rows[0].actor, Actor::kLoa);
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(rows[1].actor, Actor::kOperator);
  EXPECT_EQ(rows[2].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[2].number, 1);  // tries counted afresh
  EXPECT_EQ(rows[2].actor, Actor::kLoa);

  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[0].contains("actor"));
  EXPECT_EQ(lines[1]["actor"], "operator");
  EXPECT_EQ(lines[1]["outcome"], "retry");
  EXPECT_FALSE(lines[2].contains("actor"));
  EXPECT_EQ(OperatorEvents(), 1);
}

TEST_F(OperatorTest, RetryOfADeliveryWaitingForItsRetryTimeGoesNow) {
  answers_["portal"]->Push(Outcome::Retry(ErrorClass::kTransient, "HTTP 503", 503));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return Get("a", "portal").next_attempt_at.has_value(); }));
  Settle();
  ASSERT_GT(*Get("a", "portal").next_attempt_at, clock_.Now());

  auto changed = engine_->OperatorRetry("a", "");
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_FALSE((*changed)[0].next_attempt_at.has_value());
  // No time passes: it goes at once.
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(answers_["portal"]->Publishes(), 2);
}

TEST_F(OperatorTest, RetryOnAChannelPausedForAuthProbesAtOnce) {
  answers_["portal"]->Push(Outcome::Failed(ErrorClass::kPermanent, "HTTP 400", 400));
  answers_["portal"]->Push(Outcome::Failed(ErrorClass::kAuth, "HTTP 401", 401));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  AddItem(MakeItem("b", clock_.Now() + seconds(1), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kFailed)));
  WakeAt(clock_.Now() + seconds(1));
  ASSERT_EQ(engine_->PausedChannels().count("portal"), 1u);

  // The credentials were fixed: the operator's retry is the probe, now.
  ASSERT_TRUE(engine_->OperatorRetry("a", "portal").ok());
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  Settle();
  EXPECT_TRUE(engine_->PausedChannels().empty());
  // b's own try was given back until the probe time it was paused for.
  WakeAt(clock_.Now() + Engine::kAuthProbeInterval);
  ASSERT_TRUE(RunUntil(StateIs("b", "portal", DeliveryState::kPublished)));
}

// ---- cancel ------------------------------------------------------------------

TEST_F(OperatorTest, CancelWithoutAChannelCancelsEveryScheduledDelivery) {
  AddItem(MakeItem("a", clock_.Now() + hours(1), {"portal", "zalo"}));
  StartEngine();
  auto changed = engine_->OperatorCancel("a", "");
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 2u);
  for (const Delivery& d : *changed) EXPECT_EQ(d.state, DeliveryState::kCancelled);
  ExpectOperatorLine("a", "zalo", "cancelled");
  EXPECT_EQ(LogLines().size(), 2u);
  EXPECT_EQ(OperatorEvents(), 2);
  EXPECT_EQ(Get("a", "portal").last_error, "cancelled by the operator");

  WakeAt(clock_.Now() + hours(2));
  EXPECT_EQ(answers_["portal"]->Publishes() + answers_["zalo"]->Publishes(), 0);
  EXPECT_EQ(Get("a", "portal").state, DeliveryState::kCancelled);
  EXPECT_EQ(LogLines().size(), 2u);
}

TEST_F(OperatorTest, CancelOfOneChannelLeavesTheOtherAndRetryBringsItBack) {
  AddItem(MakeItem("a", clock_.Now() + hours(1), {"portal", "zalo"}));
  StartEngine();
  auto changed = engine_->OperatorCancel("a", "zalo");
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ(Get("a", "portal").state, DeliveryState::kScheduled);

  // Brought back before its time: it keeps the editor's time.
  auto back = engine_->OperatorRetry("a", "zalo");
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ((*back)[0].due_at, clock_.Now() + hours(1));
  Settle();
  EXPECT_EQ(answers_["zalo"]->Publishes(), 0);
  WakeAt(clock_.Now() + hours(1));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
}

// ---- reschedule ----------------------------------------------------------------

TEST_F(OperatorTest, RescheduledLaterIsSentAtTheNewTimeNotMissed) {
  AddItem(MakeItem("a", Local("2026-12-01 09:00"), {"portal", "zalo"}));
  StartEngine();
  auto changed = engine_->OperatorReschedule("a", Local("2026-12-01 12:00"));
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 2u);
  EXPECT_EQ((*changed)[0].due_at, Local("2026-12-01 12:00"));
  ExpectOperatorLine("a", "zalo", "retry");
  EXPECT_EQ(engine_->NextWake(), Local("2026-12-01 12:00"));
  // Its text gives the time as the operator reads it, in the config's zone.
  EXPECT_EQ(Rows("a", "portal").back().error,
            "rescheduled by the operator: due " + FormatLocal(Local("2026-12-01 12:00"), kZone));

  // Past the old time plus max_lateness: neither sent nor missed.
  WakeAt(Local("2026-12-01 10:30"));
  WakeAt(Local("2026-12-01 11:59"));
  EXPECT_EQ(answers_["portal"]->Publishes(), 0);
  EXPECT_EQ(Get("a", "portal").state, DeliveryState::kScheduled);

  WakeAt(Local("2026-12-01 12:00"));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  for (const auto& line : LogLines()) EXPECT_NE(line["outcome"], "missed") << line.dump();
  EXPECT_EQ(LogLines().size(), 4u);
}

TEST_F(OperatorTest, RescheduleClearsARetryWait) {
  answers_["portal"]->Push(Outcome::Retry(ErrorClass::kTransient, "HTTP 503", 503));
  AddItem(MakeItem("a", clock_.Now(), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return Get("a", "portal").next_attempt_at.has_value(); }));
  Settle();
  auto changed = engine_->OperatorReschedule("a", clock_.Now() + minutes(10));
  ASSERT_TRUE(changed.ok()) << changed.error();
  EXPECT_FALSE((*changed)[0].next_attempt_at.has_value());
  EXPECT_EQ((*changed)[0].attempts, 1);  // the try already made stays counted
  EXPECT_EQ(engine_->NextWake(), clock_.Now() + minutes(10));
  WakeAt(clock_.Now() + minutes(10));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
}

// ---- resolve -------------------------------------------------------------------

TEST_F(OperatorTest, ResolvePublishedRecordsWhereThePostIs) {
  answers_["zalo"]->Push(Outcome::Uncertain("connection reset after sending"));
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kUncertain)));
  Settle();

  const std::string url = "https://zalo.example.vn/bai/42";
  auto changed = engine_->OperatorResolve("a", "zalo", true, url);
  ASSERT_TRUE(changed.ok()) << changed.error();
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].state, DeliveryState::kPublished);
  EXPECT_EQ((*changed)[0].remote_url, url);
  ExpectOperatorLine("a", "zalo", "published");
  EXPECT_EQ(LogLines().back()["url"], url);
  EXPECT_EQ(Rows("a", "zalo").back().remote_url, url);

  // Never sent again.
  WakeAt(clock_.Now() + hours(1));
  EXPECT_EQ(answers_["zalo"]->Publishes(), 1);
}

// A channel's last success and last failure (`loa status`, /api/status)
// are what the channel did: an operator's retry or reschedule (rows that end
// `retry`) is no failure of it, and a resolve (a row that ends `published`)
// no call that published.
TEST_F(OperatorTest, OperatorRowsAreNotTheChannelsLastSuccessOrFailure) {
  answers_["portal"]->Push(Outcome::Failed(ErrorClass::kPermanent, "HTTP 400", 400));
  answers_["zalo"]->Push(Outcome::Uncertain("connection reset after sending"));
  const TimePoint t0 = clock_.Now();
  AddItem(MakeItem("a", t0, {"portal", "zalo"}));
  AddItem(MakeItem("b", t0 + hours(24), {"portal"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kFailed)));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kUncertain)));
  Settle();

  // Before its first look (1 min after the try): the operator's answer.
  auto resolved = engine_->OperatorResolve("a", "zalo", true, "https://zalo.example.vn/bai/1");
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  clock_.Advance(hours(1));
  auto retried = engine_->OperatorRetry("a", "portal");
  ASSERT_TRUE(retried.ok()) << retried.error();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  Settle();
  const TimePoint published = clock_.Now();
  clock_.Advance(hours(1));
  auto moved = engine_->OperatorReschedule("b", t0 + hours(48));
  ASSERT_TRUE(moved.ok()) << moved.error();
  ASSERT_EQ(OperatorEvents(), 3);

  auto portal = store_->LastOutcomes("portal");
  ASSERT_TRUE(portal.ok()) << portal.error();
  EXPECT_EQ(portal->success_at, published);
  EXPECT_EQ(portal->failure_at, t0);
  EXPECT_EQ(portal->failure_error, "HTTP 400");
  auto zalo = store_->LastOutcomes("zalo");
  ASSERT_TRUE(zalo.ok()) << zalo.error();
  EXPECT_EQ(zalo->success_at, std::nullopt);
  EXPECT_EQ(zalo->failure_at, t0);
  EXPECT_EQ(zalo->failure_error, "connection reset after sending");
}

TEST_F(OperatorTest, ResolveNotPublishedFailsItAndRetrySendsItAgain) {
  answers_["zalo"]->Push(Outcome::Uncertain("connection reset after sending"));
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kUncertain)));
  Settle();

  auto changed = engine_->OperatorResolve("a", "", false, "");
  ASSERT_TRUE(changed.ok()) << changed.error();
  EXPECT_EQ((*changed)[0].state, DeliveryState::kFailed);
  EXPECT_EQ((*changed)[0].last_error, "not published (operator)");
  ExpectOperatorLine("a", "zalo", "failed");
  EXPECT_EQ(LogLines().back()["error"], "not published (operator)");
  Settle();
  EXPECT_EQ(answers_["zalo"]->Publishes(), 1);

  ASSERT_TRUE(engine_->OperatorRetry("a", "zalo").ok());
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  EXPECT_EQ(answers_["zalo"]->Publishes(), 2);
}

// ---- refusals --------------------------------------------------------------------

TEST_F(OperatorTest, RefusalsChangeNothing) {
  answers_["zalo"]->Push(Outcome::Pending(seconds(30), "tok-1", "verifying"));
  AddItem(MakeItem("out", clock_.Now(), {"portal"}));
  AddItem(MakeItem("later", clock_.Now() + hours(1), {"portal"}));
  AddItem(MakeItem("token", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("out", "portal", DeliveryState::kPublished)));
  ASSERT_TRUE(RunUntil([&] { return !Get("token", "zalo").resume_token.empty(); }));
  Settle();
  const Snapshot before = Take();
  const size_t events = events_.size();

  auto expect = [&](const Result<std::vector<Delivery>>& r, Error::Code code,
                    const std::string& says) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), code) << r.error();
    EXPECT_NE(r.error().find(says), std::string::npos) << r.error();
    EXPECT_EQ(Take(), before) << r.error();
  };
  using C = Error::Code;
  expect(engine_->OperatorRetry("nope", ""), C::kNotFound, "no item named \"nope\"");
  expect(engine_->OperatorCancel("later", "facebook"), C::kNotFound, "no delivery on channel");
  expect(engine_->OperatorRetry(std::string(5000, 'x'), ""), C::kNotFound, "...");
  // Wrong states, each refusal naming what the action needs.
  expect(engine_->OperatorCancel("out", ""), C::kInvalid, "scheduled");
  expect(engine_->OperatorRetry("out", "portal"), C::kInvalid, "failed, cancelled or uncertain");
  expect(engine_->OperatorRetry("later", ""), C::kInvalid, "portal is scheduled");
  expect(engine_->OperatorResolve("later", "portal", true, ""), C::kInvalid, "uncertain");
  expect(engine_->OperatorReschedule("out", clock_.Now()), C::kInvalid, "published");
  // A delivery holding a resume token: the channel has it.
  expect(engine_->OperatorCancel("token", ""), C::kInvalid, "holding a resume token");
  expect(engine_->OperatorReschedule("token", clock_.Now() + hours(1)), C::kInvalid,
         "holding a resume token");
  expect(engine_->OperatorRetry("token", "zalo"), C::kInvalid, "holding a resume token");
  // Malformed decisions.
  expect(engine_->OperatorReschedule("later", clock_.Now() - hours(2)), C::kInvalid,
         "max_lateness");
  EXPECT_EQ(events_.size(), events);
}

TEST_F(OperatorTest, ResolveTakesOnlyAnHttpAddressOfBoundedLength) {
  answers_["zalo"]->Push(Outcome::Uncertain("lost"));
  AddItem(MakeItem("a", clock_.Now(), {"zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kUncertain)));
  Settle();
  const Snapshot before = Take();
  for (const std::string& url :
       {std::string("javascript:alert(1)"), std::string("ftp://x.example/a"),
        std::string("https://"), std::string("https://x.example/a b"),
        "https://x.example/" + std::string(3000, 'a')}) {
    auto r = engine_->OperatorResolve("a", "zalo", true, url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.code(), Error::Code::kInvalid);
    EXPECT_EQ(r.error().find(url), std::string::npos) << "the message repeats the address";
    EXPECT_EQ(Take(), before);
  }
  auto r = engine_->OperatorResolve("a", "zalo", false, "https://x.example/a");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Take(), before);
  // Without an address: published, where unknown.
  ASSERT_TRUE(engine_->OperatorResolve("a", "zalo", true, "").ok());
  EXPECT_EQ(Get("a", "zalo").state, DeliveryState::kPublished);
}

TEST_F(OperatorTest, ADeliveryBeingSentIsNeverTouched) {
  answers_["portal"]->Block();
  AddItem(MakeItem("a", clock_.Now(), {"portal", "zalo"}));
  StartEngine();
  ASSERT_TRUE(RunUntil([&] { return answers_["portal"]->Publishes() == 1; }));
  ASSERT_TRUE(RunUntil(StateIs("a", "zalo", DeliveryState::kPublished)));
  ASSERT_EQ(Get("a", "portal").state, DeliveryState::kSending);
  const Snapshot before = Take();

  for (auto r : {engine_->OperatorRetry("a", "portal"), engine_->OperatorCancel("a", ""),
                 engine_->OperatorReschedule("a", clock_.Now() + hours(1)),
                 engine_->OperatorResolve("a", "portal", false, "")}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.code(), Error::Code::kInvalid) << r.error();
    EXPECT_NE(r.error().find("portal is sending"), std::string::npos) << r.error();
  }
  EXPECT_EQ(Take(), before);

  answers_["portal"]->Release();
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  EXPECT_EQ(answers_["portal"]->Publishes(), 1);
}

// A missed decision the store refused is held in memory; the operator then
// moves that delivery. The held row must not land over the operator's move.
TEST_F(OperatorTest, AnOutcomeHeldForAMovedDeliveryIsDropped) {
  AddItem(MakeItem("a", clock_.Now() - hours(3), {"portal"}));
  SQLite::Database other(config_.DatabasePath().string(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");  // another process holds the write lock
  StartEngine();
  ASSERT_EQ(engine_->HeldOutcomes(), 1u);
  other.exec("ROLLBACK");

  auto changed = engine_->OperatorReschedule("a", clock_.Now() + minutes(5));
  ASSERT_TRUE(changed.ok()) << changed.error();
  EXPECT_EQ(engine_->HeldOutcomes(), 0u);
  io_.run_for(milliseconds(300));  // the store timer finds nothing held
  EXPECT_EQ(Get("a", "portal").state, DeliveryState::kScheduled);
  WakeAt(clock_.Now() + minutes(5));
  ASSERT_TRUE(RunUntil(StateIs("a", "portal", DeliveryState::kPublished)));
  auto lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["actor"], "operator");
  EXPECT_EQ(lines[1]["outcome"], "published");
}

}  // namespace
}  // namespace loa

namespace loa {
namespace {

TEST(OperatorLineTest, AnOperatorsLineSaysSoAndLoasLinesKeepTheirShape) {
  AttemptRow row;
  row.seq = 7;
  row.post_id = "x";
  row.channel = "zalo";
  row.record.number = 1;
  row.record.ended_at = Local("2026-12-01 08:00");
  row.record.outcome = AttemptOutcome::kFailed;
  row.record.error = "not published (operator)";
  row.record.actor = Actor::kOperator;
  EXPECT_EQ(DeliveryLog::FormatLine(row),
            R"({"ts":"2026-12-01T01:00:00.000Z","item":"x","channel":"zalo","attempt":1,)"
            R"("outcome":"failed","remote_id":null,"url":null,"http_status":null,)"
            R"j("latency_ms":0,"error":"not published (operator)","actor":"operator","seq":7})j");
  row.record.actor = Actor::kLoa;
  EXPECT_EQ(json::parse(DeliveryLog::FormatLine(row)).count("actor"), 0u);
  EXPECT_EQ(ParseActor("operator"), Actor::kOperator);
  EXPECT_EQ(ParseActor("loa"), Actor::kLoa);
  EXPECT_EQ(ParseActor("Operator"), std::nullopt);
}

}  // namespace
}  // namespace loa
