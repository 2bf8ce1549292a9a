// What the store's hot paths cost (queue/store_sql.h): SQLite's own plan for
// each statement as the store runs it, on a real store file; the v6 -> v7
// migration that fills `channel_history` from the rows; and min_interval's
// bookkeeping read from it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "queue/sqlite_store.h"
#include "queue/store_sql.h"

namespace loa {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-12-01T01:00:00Z (08:00 in Hà Nội).
const TimePoint kT0 = FromUnixMillis(1796086800000);

Item MakeItem(const std::string& id, std::vector<std::string> channels, TimePoint publish_at) {
  Item item;
  item.id = id;
  item.title = "Sở Tư pháp đẩy mạnh cơ chế một cửa";
  item.summary = "Tóm tắt ngắn.";
  item.body_markdown = "Nội dung **chính**.";
  item.publish_at = publish_at;
  item.channels = std::move(channels);
  item.topics = {"mot-cua"};
  item.approved_by = "Nguyễn Văn A";
  return item;
}

class StoreQueryPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "loa-plan-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "queue.db";
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Reopen() {
    store_.reset();
    auto opened = SqliteStore::Open(path_);
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(opened).value();
  }

  Delivery Get(const std::string& post_id, const std::string& channel) {
    for (const Delivery& d : store_->ListDeliveries(post_id).value()) {
      if (d.channel == channel) return d;
    }
    ADD_FAILURE() << "no delivery of " << post_id << " on " << channel;
    return Delivery{};
  }

  void Upsert(const Item& item, TimePoint now = kT0) {
    auto out = store_->UpsertPost(item, now);
    ASSERT_TRUE(out.ok()) << out.error();
  }

  // One try of the delivery started at `at`, ending with `outcome`.
  void Try(int64_t id, TimePoint at, AttemptOutcome outcome, const std::string& error = "",
           std::optional<TimePoint> next = std::nullopt) {
    auto begun = store_->BeginAttempt(id, at);
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec;
    rec.delivery_id = id;
    rec.number = begun->attempts;
    rec.started_at = at;
    rec.ended_at = at + seconds(2);
    rec.outcome = outcome;
    rec.error = error;
    rec.next_attempt_at = next;
    Status st = store_->FinishAttempt(rec);
    ASSERT_TRUE(st.ok()) << st.error();
  }

  // Decisions taken without a request: missed, then (for a second delivery)
  // cancelled, then an operator's retry and cancel of a failed one.
  void Decide(int64_t id, TimePoint at, AttemptOutcome outcome) {
    AttemptRecord rec;
    rec.delivery_id = id;
    rec.started_at = at;
    rec.ended_at = at;
    rec.outcome = outcome;
    rec.error = "decided";
    Status st = store_->FinishAttempt(rec);
    ASSERT_TRUE(st.ok()) << st.error();
  }

  std::optional<TimePoint> LastStart(const std::string& channel) {
    auto last = store_->LastAttemptStart(channel);
    EXPECT_TRUE(last.ok()) << last.error();
    return last.ok() ? *last : std::nullopt;
  }

  fs::path dir_;
  fs::path path_;
  std::unique_ptr<SqliteStore> store_;
};

// ---- Query plans ----------------------------------------------------------------

// Whether a plan line reads a whole table of history: a SCAN of attempts or
// deliveries (by name or by the aliases the statements give them), with or
// without an index; or a SEARCH of deliveries by channel alone or by state
// alone, which walks every delivery the channel (or the state) ever had --
// the way the MAX over a channel's attempts and the settled-in-a-period read
// went before schema v7. A SEARCH by id, by item, by (channel, state) for
// the pending ones, or through a partial index of what is pending is bounded
// by what is in flight, not by history.
bool ScansHistory(const std::string& detail) {
  for (const char* table : {"attempts", "deliveries", "a", "d", "s"}) {
    const std::string scan = std::string("SCAN ") + table;
    if (detail.rfind(scan, 0) == 0 &&
        (detail.size() == scan.size() || detail[scan.size()] == ' ')) {
      return true;
    }
  }
  for (const char* key :
       {"deliveries_next_per_channel (channel=?)", "deliveries_by_state (state=?)",
        "sqlite_autoindex_deliveries_1 (channel"}) {
    if (detail.find(key) != std::string::npos) return true;
  }
  return false;
}

TEST(ScansHistoryTest, TellsAScanFromASearch) {
  EXPECT_TRUE(ScansHistory("SCAN attempts"));
  EXPECT_TRUE(ScansHistory("SCAN a"));
  EXPECT_TRUE(ScansHistory("SCAN d USING COVERING INDEX deliveries_next_per_channel"));
  // The plans of LastAttemptStart and SettledBetween at schema v6.
  EXPECT_TRUE(
      ScansHistory("SEARCH d USING COVERING INDEX deliveries_next_per_channel (channel=?)"));
  EXPECT_TRUE(ScansHistory("SEARCH d USING COVERING INDEX deliveries_by_state (state=?)"));
  EXPECT_FALSE(ScansHistory("SEARCH a USING INTEGER PRIMARY KEY (rowid>?)"));
  EXPECT_FALSE(
      ScansHistory("SEARCH deliveries USING INDEX deliveries_next_per_channel (channel=? AND "
                   "state=?)"));
  EXPECT_FALSE(ScansHistory("SEARCH a USING INDEX attempts_by_delivery (delivery_id=?)"));
  EXPECT_FALSE(ScansHistory("SCAN channel_history"));
  EXPECT_FALSE(ScansHistory("SCAN at"));
}

TEST_F(StoreQueryPlanTest, NoHotPathQueryScansAttemptsOrDeliveries) {
  // Some history, and the planner's statistics over it, so the plans are
  // the ones a store in use gets (ANALYZE can only make them better
  // informed, never hide a scan the statement needs).
  for (int i = 0; i < 40; ++i) {
    Upsert(MakeItem("item-" + std::to_string(i), {"portal", "zalo"}, kT0 + minutes(i)));
    Try(Get("item-" + std::to_string(i), "portal").id, kT0 + minutes(i),
        AttemptOutcome::kPublished);
  }
  SQLite::Database db(path_.string(), SQLite::OPEN_READWRITE);
  db.exec("ANALYZE");
  const std::vector<store_sql::NamedQuery> queries = store_sql::HotPathQueries();
  ASSERT_GE(queries.size(), 15u);
  for (const store_sql::NamedQuery& q : queries) {
    SQLite::Statement plan(db, "EXPLAIN QUERY PLAN " + q.sql);
    std::vector<std::string> lines;
    while (plan.executeStep()) lines.push_back(plan.getColumn(3).getString());
    EXPECT_FALSE(lines.empty()) << q.name;
    for (const std::string& line : lines) {
      EXPECT_FALSE(ScansHistory(line)) << q.name << ": " << line << "\n" << q.sql;
    }
  }
}

TEST_F(StoreQueryPlanTest, ChannelReadsDoNotTouchTheAttempts) {
  // The plan and `loa status` read one row per channel, however many
  // attempts the channel has had.
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  for (const char* sql : {store_sql::kLastRequestStart, store_sql::kChannelLast}) {
    SQLite::Statement plan(db, std::string("EXPLAIN QUERY PLAN ") + sql);
    ASSERT_TRUE(plan.executeStep());
    EXPECT_NE(plan.getColumn(3).getString().find("channel_history"), std::string::npos) << sql;
    EXPECT_EQ(plan.getColumn(3).getString().find("SCAN"), std::string::npos) << sql;
    EXPECT_FALSE(plan.executeStep()) << sql;
  }
}

// ---- Migration v6 -> v7 ---------------------------------------------------------

TEST_F(StoreQueryPlanTest, MigratingFromVersion6AnswersAsBefore) {
  // History on two channels: requests, decisions and an operator's move.
  Upsert(MakeItem("a", {"portal", "zalo"}, kT0));
  Upsert(MakeItem("b", {"portal", "zalo"}, kT0 + hours(1)));
  Upsert(MakeItem("c", {"portal"}, kT0 + hours(5)));
  Try(Get("a", "portal").id, kT0, AttemptOutcome::kPublished);
  Try(Get("a", "zalo").id, kT0 + seconds(10), AttemptOutcome::kFailed, "token expired");
  Try(Get("b", "portal").id, kT0 + hours(1), AttemptOutcome::kRetry, "503",
      kT0 + hours(1) + minutes(5));
  Decide(Get("b", "zalo").id, kT0 + hours(3), AttemptOutcome::kMissed);
  Store::OperatorDecision retry;
  retry.action = Store::OperatorAction::kRetry;
  retry.post_id = "a";
  retry.channel = "zalo";
  ASSERT_TRUE(store_->DecideAsOperator(retry, kT0 + hours(4)).ok());

  const auto portal = LastStart("portal");
  const auto zalo = LastStart("zalo");
  const ChannelLast portal_last = store_->LastOutcomes("portal").value();
  const ChannelLast zalo_last = store_->LastOutcomes("zalo").value();
  const auto next_portal = store_->NextScheduled("portal").value();
  const auto settled = store_->SettledBetween(kT0 - hours(1), kT0 + hours(24)).value();
  ASSERT_EQ(portal, kT0 + hours(1));
  ASSERT_EQ(zalo, kT0 + seconds(10));  // the missed row and the operator's are no requests
  ASSERT_TRUE(next_portal.has_value());

  // The store as v6 left it: v7 added `channel_history` and two indexes and
  // dropped one, so undoing that (and the version back) is a v6 store with
  // this history.
  store_.reset();
  {
    SQLite::Database db(path_.string(), SQLite::OPEN_READWRITE);
    db.exec(
        "DROP TABLE channel_history; DROP INDEX attempts_settling_by_end; "
        "DROP INDEX deliveries_by_state_due; "
        "CREATE INDEX deliveries_by_state ON deliveries (state); "
        "PRAGMA user_version = 6");
  }
  Reopen();
  EXPECT_EQ(store_->SchemaVersion().value(), 7);
  EXPECT_EQ(LastStart("portal"), portal);
  EXPECT_EQ(LastStart("zalo"), zalo);
  EXPECT_EQ(LastStart("elsewhere"), std::nullopt);
  const ChannelLast portal_after = store_->LastOutcomes("portal").value();
  const ChannelLast zalo_after = store_->LastOutcomes("zalo").value();
  EXPECT_EQ(portal_after.success_at, portal_last.success_at);
  EXPECT_EQ(portal_after.failure_at, portal_last.failure_at);
  EXPECT_EQ(portal_after.failure_error, portal_last.failure_error);
  EXPECT_EQ(portal_after.failure_error, "503");
  EXPECT_EQ(zalo_after.success_at, std::nullopt);
  EXPECT_EQ(zalo_after.failure_at, zalo_last.failure_at);
  EXPECT_EQ(zalo_after.failure_error, zalo_last.failure_error);
  EXPECT_EQ(zalo_after.failure_at, kT0 + hours(3));  // the missed row: loa's, a failure
  const auto next_after = store_->NextScheduled("portal").value();
  ASSERT_TRUE(next_after.has_value());
  EXPECT_EQ(next_after->id, next_portal->id);
  EXPECT_EQ(next_after->EffectiveDue(), next_portal->EffectiveDue());
  const auto settled_after = store_->SettledBetween(kT0 - hours(1), kT0 + hours(24)).value();
  ASSERT_EQ(settled_after.size(), settled.size());
  for (size_t i = 0; i < settled.size(); ++i) {
    EXPECT_EQ(settled_after[i].delivery.id, settled[i].delivery.id);
    EXPECT_EQ(settled_after[i].settled_at, settled[i].settled_at);
  }

  // And it keeps counting from there.
  Try(Get("c", "portal").id, kT0 + hours(6), AttemptOutcome::kPublished);
  EXPECT_EQ(LastStart("portal"), kT0 + hours(6));
  EXPECT_EQ(store_->LastOutcomes("portal").value().success_at, kT0 + hours(6) + seconds(2));
}

// ---- min_interval's bookkeeping -------------------------------------------------

TEST_F(StoreQueryPlanTest, OnlyRequestsMoveTheLastRequestStart) {
  EXPECT_EQ(LastStart("portal"), std::nullopt);
  Upsert(MakeItem("a", {"portal"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0));
  Upsert(MakeItem("c", {"portal"}, kT0));
  Upsert(MakeItem("d", {"portal", "zalo"}, kT0));
  EXPECT_EQ(LastStart("portal"), std::nullopt);  // nothing asked yet

  Try(Get("a", "portal").id, kT0 + minutes(1), AttemptOutcome::kPublished);
  EXPECT_EQ(LastStart("portal"), kT0 + minutes(1));
  EXPECT_EQ(LastStart("zalo"), std::nullopt);  // another channel's request is not this one's

  // Decisions after it, without a request: the start stays.
  Decide(Get("b", "portal").id, kT0 + minutes(2), AttemptOutcome::kMissed);
  Decide(Get("c", "portal").id, kT0 + minutes(3), AttemptOutcome::kCancelled);
  Store::OperatorDecision resend;
  resend.action = Store::OperatorAction::kRetry;
  resend.post_id = "b";
  resend.channel = "portal";
  ASSERT_TRUE(store_->DecideAsOperator(resend, kT0 + minutes(4)).ok());
  Store::OperatorDecision cancel;
  cancel.action = Store::OperatorAction::kCancel;
  cancel.post_id = "b";
  cancel.channel = "portal";
  ASSERT_TRUE(store_->DecideAsOperator(cancel, kT0 + minutes(5)).ok());
  EXPECT_EQ(LastStart("portal"), kT0 + minutes(1));

  // A replacement of a failed delivery is a decision too.
  Try(Get("d", "zalo").id, kT0 + minutes(6), AttemptOutcome::kFailed, "401");
  EXPECT_EQ(LastStart("zalo"), kT0 + minutes(6));
  Item changed = MakeItem("d", {"portal", "zalo"}, kT0 + hours(1));
  changed.title = "Tiêu đề mới";
  Upsert(changed, kT0 + minutes(7));
  EXPECT_EQ(LastStart("zalo"), kT0 + minutes(6));

  // A request that failed counts, and a row whose start is earlier than the
  // latest (a clock set back) does not move it back: the latest start is
  // the greatest, as the MAX over the rows was.
  Try(Get("d", "portal").id, kT0 + minutes(8), AttemptOutcome::kRetry, "503", kT0 + minutes(20));
  EXPECT_EQ(LastStart("portal"), kT0 + minutes(8));
  Try(Get("d", "portal").id, kT0 - hours(2), AttemptOutcome::kPublished);
  EXPECT_EQ(LastStart("portal"), kT0 + minutes(8));

  // It is on disk: another process (a restart) reads the same.
  Reopen();
  EXPECT_EQ(LastStart("portal"), kT0 + minutes(8));
  EXPECT_EQ(LastStart("zalo"), kT0 + minutes(6));
}

TEST_F(StoreQueryPlanTest, LastOutcomesCountLoasRowsOnly) {
  Upsert(MakeItem("a", {"portal"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0));
  Try(Get("a", "portal").id, kT0, AttemptOutcome::kPublished);
  Try(Get("b", "portal").id, kT0 + minutes(1), AttemptOutcome::kFailed, "tu choi");
  // An operator's retry (a row ending `retry`) is no failure of the channel.
  Store::OperatorDecision retry;
  retry.action = Store::OperatorAction::kRetry;
  retry.post_id = "b";
  retry.channel = "portal";
  ASSERT_TRUE(store_->DecideAsOperator(retry, kT0 + minutes(2)).ok());
  ChannelLast last = store_->LastOutcomes("portal").value();
  EXPECT_EQ(last.success_at, kT0 + seconds(2));
  EXPECT_EQ(last.failure_at, kT0 + minutes(1) + seconds(2));
  EXPECT_EQ(last.failure_error, "tu choi");
  // A later success leaves the failure as it was, and the other way round.
  Try(Get("b", "portal").id, kT0 + minutes(3), AttemptOutcome::kPublished);
  last = store_->LastOutcomes("portal").value();
  EXPECT_EQ(last.success_at, kT0 + minutes(3) + seconds(2));
  EXPECT_EQ(last.failure_at, kT0 + minutes(1) + seconds(2));
  EXPECT_EQ(last.failure_error, "tu choi");
  EXPECT_EQ(store_->LastOutcomes("nowhere").value().success_at, std::nullopt);
}

}  // namespace
}  // namespace loa
