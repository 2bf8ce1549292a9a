#include "queue/sqlite_store.h"

#include "base/crypto.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace loa {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-12-01T01:00:00Z (08:00 in Hà Nội).
const TimePoint kT0 = FromUnixMillis(1796086800000);

// The value of a read the test expects to succeed.
template <class T>
T Must(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.error();
  if (!r.ok()) return T{};
  return std::move(r).value();
}

fs::path MakeTempDir() {
  std::string pattern = (fs::temp_directory_path() / "loa-store-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr);
  return fs::path(pattern);
}

Item MakeItem(const std::string& id, std::vector<std::string> channels, TimePoint publish_at) {
  Item item;
  item.id = id;
  item.title = "Sở Tư pháp đẩy mạnh cơ chế một cửa";
  item.summary = "Tóm tắt ngắn.";
  item.body_markdown = "Nội dung **chính**.";
  item.publish_at = publish_at;
  item.channels = std::move(channels);
  item.topics = {"mot-cua", "kiem-soat-tthc"};
  item.form = "news";
  item.unit = "Văn phòng Sở";
  item.approved_by = "Nguyễn Văn A";
  return item;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    path_ = dir_ / "state" / "queue.db";
    store_ = OpenOrDie();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<SqliteStore> OpenOrDie() {
    auto opened = SqliteStore::Open(path_);
    EXPECT_TRUE(opened.ok()) << opened.error();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // The delivery of `post_id` on `channel`; fails the test when missing.
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

  // Takes the delivery through one attempt with the given outcome.
  void Attempt(int64_t id, TimePoint at, const std::string& outcome, DeliveryState new_state,
               std::optional<TimePoint> next = std::nullopt) {
    auto begun = store_->BeginAttempt(id, at);
    ASSERT_TRUE(begun.ok()) << begun.error();
    AttemptRecord rec = Record(*begun, at, outcome, new_state);
    rec.next_attempt_at = next;
    Status st = store_->FinishAttempt(rec);
    ASSERT_TRUE(st.ok()) << st.error();
  }

  static AttemptRecord Record(const Delivery& d, TimePoint at, const std::string& outcome,
                              DeliveryState new_state) {
    AttemptRecord rec;
    rec.delivery_id = d.id;
    rec.number = d.attempts;
    rec.started_at = at;
    rec.ended_at = at + seconds(2);
    // The state is derived from the outcome; the tests name both so that
    // they read as the state machine does.
    std::optional<AttemptOutcome> parsed = ParseAttemptOutcome(outcome);
    EXPECT_TRUE(parsed.has_value()) << outcome;
    rec.outcome = parsed.value_or(AttemptOutcome::kFailed);
    // (Takedown callers set the action afterwards.)
    EXPECT_TRUE(StateAfter(AttemptAction::kPublish, rec.outcome) == new_state ||
                StateAfter(AttemptAction::kRetract, rec.outcome) == new_state)
        << outcome << " does not lead to " << StateName(new_state);
    rec.latency_ms = 2000;
    return rec;
  }

  static AttemptRecord Retracted(const Delivery& d) {
    AttemptRecord rec = Record(d, kT0, "failed", DeliveryState::kFailed);
    rec.outcome = AttemptOutcome::kRetracted;
    return rec;
  }

  int64_t CountRows(const std::string& table) {
    SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM " + table).getInt64();
  }

  fs::path dir_;
  fs::path path_;
  std::unique_ptr<SqliteStore> store_;
};

void ExpectSameDelivery(const Delivery& a, const Delivery& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.due_at, b.due_at);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.next_attempt_at, b.next_attempt_at);
  EXPECT_EQ(a.remote_id, b.remote_id);
  EXPECT_EQ(a.remote_url, b.remote_url);
  EXPECT_EQ(a.last_error, b.last_error);
  EXPECT_EQ(a.error_class, b.error_class);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

// ---- Model ------------------------------------------------------------------

TEST(DeliveryStateTest, NamesRoundTrip) {
  const DeliveryState all[] = {DeliveryState::kScheduled, DeliveryState::kSending,
                               DeliveryState::kPublished, DeliveryState::kFailed,
                               DeliveryState::kCancelled, DeliveryState::kRetracted,
                               DeliveryState::kUncertain};
  for (DeliveryState s : all) EXPECT_EQ(ParseState(StateName(s)), s) << StateName(s);
  EXPECT_STREQ(StateName(DeliveryState::kUncertain), "uncertain");
  EXPECT_EQ(ParseState("Published"), std::nullopt);
  EXPECT_EQ(ParseState(""), std::nullopt);
}

// ---- Opening and migrations ---------------------------------------------------

TEST_F(StoreTest, CreatesFolderAndMigratesToCurrentVersion) {
  EXPECT_TRUE(fs::is_directory(path_.parent_path()));
  EXPECT_EQ(store_->SchemaVersion().value(), Store::kSchemaVersion);
  EXPECT_EQ(Store::kSchemaVersion, 7);
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 7);
  for (const char* table :
       {"posts", "deliveries", "attempts", "oauth_tokens", "revisions", "channel_history"}) {
    EXPECT_TRUE(db.tableExists(table)) << table;
  }
  SQLite::Statement plan(db,
                         "EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE channel = 'portal' "
                         "AND state = 'scheduled' ORDER BY COALESCE(next_attempt_at, due_at), id");
  std::string steps;
  while (plan.executeStep()) steps += plan.getColumn(3).getString() + "\n";
  EXPECT_NE(steps.find("deliveries_next_per_channel"), std::string::npos) << steps;
  EXPECT_EQ(steps.find("TEMP B-TREE"), std::string::npos) << "sorts instead of using the index\n"
                                                          << steps;
}

// The schema as loa 1 created it (migration 1, verbatim), for upgrade tests.
constexpr const char* kVersion1Schema = R"sql(
    CREATE TABLE posts (
      id          TEXT PRIMARY KEY,
      item_json   TEXT NOT NULL,
      title       TEXT NOT NULL,
      form        TEXT,
      unit        TEXT,
      topics_json TEXT NOT NULL,
      action      TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      revision    INTEGER NOT NULL
    );
    CREATE TABLE deliveries (
      id              INTEGER PRIMARY KEY,
      post_id         TEXT NOT NULL REFERENCES posts(id),
      channel         TEXT NOT NULL,
      state           TEXT NOT NULL CHECK (state IN ('scheduled', 'sending', 'published',
                          'failed', 'cancelled', 'retracted', 'uncertain')),
      due_at          INTEGER NOT NULL,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER,
      remote_id       TEXT,
      remote_url      TEXT,
      last_error      TEXT,
      error_class     TEXT,
      updated_at      INTEGER NOT NULL,
      UNIQUE (post_id, channel)
    );
    CREATE INDEX deliveries_next_per_channel
      ON deliveries (channel, state, COALESCE(next_attempt_at, due_at), id);
    CREATE INDEX deliveries_by_state ON deliveries (state);
    CREATE TABLE attempts (
      id          INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
      number      INTEGER NOT NULL,
      started_at  INTEGER NOT NULL,
      ended_at    INTEGER NOT NULL,
      outcome     TEXT NOT NULL CHECK (outcome IN ('published', 'retry', 'failed',
                      'uncertain', 'missed', 'cancelled')),
      http_status INTEGER,
      error_class TEXT,
      latency_ms  INTEGER NOT NULL DEFAULT 0,
      error       TEXT
    );
    CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);
    PRAGMA user_version = 1;
)sql";

TEST_F(StoreTest, MigratesVersion1DatabaseKeepingEveryRow) {
  // A queue written by loa 1: a post published on one channel after a retry,
  // scheduled on another.
  Item item = MakeItem("2026-11-30-v1", {"portal", "cchc"}, kT0);
  const fs::path old = dir_ / "v1.db";
  const int64_t t0 = ToUnixMillis(kT0);
  {
    SQLite::Database db(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(kVersion1Schema);
    SQLite::Statement post(db,
                           "INSERT INTO posts VALUES (?, ?, ?, 'news', 'Văn phòng Sở', "
                           "'[\"mot-cua\"]', 'publish', ?, ?, 1)");
    post.bind(1, item.id);
    post.bind(2, ItemToJson(item).dump());
    post.bind(3, item.title);
    post.bind(4, t0);
    post.bind(5, t0);
    post.exec();
    SQLite::Statement deliveries(
        db,
        "INSERT INTO deliveries (id, post_id, channel, state, due_at, attempts, next_attempt_at, "
        "remote_id, remote_url, last_error, error_class, updated_at) VALUES "
        "(7, ?1, 'portal', 'published', ?2, 2, NULL, '1842', 'https://x.gov.vn/a/', NULL, NULL, "
        "?2 + 5000), "
        "(8, ?1, 'cchc', 'scheduled', ?2, 1, ?2 + 60000, NULL, NULL, 'HTTP 503', 'transient', ?2)");
    deliveries.bind(1, item.id);
    deliveries.bind(2, t0);
    deliveries.exec();
    SQLite::Statement attempts(
        db,
        "INSERT INTO attempts (id, delivery_id, number, started_at, ended_at, outcome, "
        "http_status, error_class, latency_ms, error) VALUES "
        "(31, 7, 1, ?1, ?1 + 1000, 'retry', 503, 'transient', 1000, 'HTTP 503'), "
        "(32, 7, 2, ?1 + 4000, ?1 + 5000, 'published', 201, NULL, 1000, NULL), "
        "(33, 8, 1, ?1, ?1 + 2000, 'retry', 503, 'transient', 2000, 'HTTP 503')");
    attempts.bind(1, t0);
    attempts.exec();
  }

  auto opened = SqliteStore::Open(old);
  ASSERT_TRUE(opened.ok()) << opened.error();
  SqliteStore& store = **opened;
  EXPECT_EQ(store.SchemaVersion().value(), Store::kSchemaVersion);

  auto back = store.GetPost(item.id);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->title, item.title);
  std::vector<Delivery> ds = store.ListDeliveries(item.id).value();
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].id, 7);
  EXPECT_EQ(ds[0].state, DeliveryState::kPublished);
  EXPECT_EQ(ds[0].attempts, 2);
  EXPECT_EQ(ds[0].remote_id, "1842");
  EXPECT_EQ(ds[0].remote_url, "https://x.gov.vn/a/");
  EXPECT_EQ(ds[0].updated_at, kT0 + seconds(5));
  EXPECT_FALSE(ds[0].RetractPending());
  EXPECT_EQ(ds[0].retract_attempts, 0);
  EXPECT_EQ(ds[1].id, 8);
  EXPECT_EQ(ds[1].state, DeliveryState::kScheduled);
  EXPECT_EQ(ds[1].next_attempt_at, kT0 + minutes(1));
  EXPECT_EQ(ds[1].last_error, "HTTP 503");
  EXPECT_EQ(ds[1].error_class, ErrorClass::kTransient);

  std::vector<AttemptRecord> portal = store.ListAttempts(7).value();
  ASSERT_EQ(portal.size(), 2u);
  EXPECT_EQ(portal[0].action, AttemptAction::kPublish);
  EXPECT_EQ(portal[0].number, 1);
  EXPECT_EQ(portal[0].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(portal[0].http_status, 503);
  EXPECT_EQ(portal[0].error, "HTTP 503");
  EXPECT_EQ(portal[0].latency_ms, 1000);
  EXPECT_EQ(portal[1].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(portal[1].new_state(), DeliveryState::kPublished);
  EXPECT_EQ(portal[1].started_at, kT0 + seconds(4));
  EXPECT_EQ(portal[1].error_class, ErrorClass::kNone);
  ASSERT_EQ(store.ListAttempts(8).value().size(), 1u);
  EXPECT_EQ(Must(store.LastAttemptStart("portal")), kT0 + seconds(4));

  // Row ids survive the rebuild; the new CHECK takes takedown outcomes, the
  // index is back, and foreign keys still hold.
  SQLite::Database db(old.string(), SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(id) FROM attempts ORDER BY id").getString(),
            "31,32,33");
  EXPECT_TRUE(db.tableExists("oauth_tokens"));
  EXPECT_FALSE(db.tableExists("attempts_v2"));
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                          "name = 'attempts_by_delivery'")
                .getInt(),
            1);
  SQLite::Statement dangling(db, "PRAGMA foreign_key_check");
  EXPECT_FALSE(dangling.executeStep());
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_NO_THROW(
      db.exec("INSERT INTO attempts (delivery_id, action, number, started_at, "
              "ended_at, outcome) VALUES (7, 'retract', 1, 0, 0, 'retracted')"));
  EXPECT_THROW(db.exec("INSERT INTO attempts (delivery_id, number, started_at, ended_at, outcome) "
                       "VALUES (7, 1, 0, 0, 'vanished')"),
               SQLite::Exception);
}

// The attempts table and the deliveries columns as loa's schema version 4
// left them (migrations 1-4 applied), for the upgrade to version 5.
constexpr const char* kVersion4Additions = R"sql(
    ALTER TABLE deliveries ADD COLUMN retract_requested_at INTEGER;
    ALTER TABLE deliveries ADD COLUMN retract_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN retract_next_at INTEGER;
    ALTER TABLE deliveries ADD COLUMN resume_token TEXT;
    DROP TABLE attempts;
    CREATE TABLE attempts (
      id          INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
      action      TEXT NOT NULL DEFAULT 'publish' CHECK (action IN ('publish', 'retract')),
      number      INTEGER NOT NULL,
      started_at  INTEGER NOT NULL,
      ended_at    INTEGER NOT NULL,
      outcome     TEXT NOT NULL CHECK (outcome IN ('published', 'retracted', 'retry',
                      'pending', 'failed', 'uncertain', 'missed', 'cancelled')),
      http_status INTEGER,
      error_class TEXT,
      latency_ms  INTEGER NOT NULL DEFAULT 0,
      error       TEXT,
      remote_id   TEXT,
      remote_url  TEXT,
      decision    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);
    CREATE TABLE oauth_tokens (
      channel           TEXT PRIMARY KEY,
      access_token      TEXT NOT NULL,
      refresh_token     TEXT NOT NULL,
      access_expires_at INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL
    );
    PRAGMA user_version = 4;
)sql";

TEST_F(StoreTest, MigratesVersion4DatabaseKeepingEveryRowAsLoas) {
  Item item = MakeItem("2026-12-01-v4", {"portal", "zalo"}, kT0);
  const fs::path old = dir_ / "v4.db";
  const int64_t t0 = ToUnixMillis(kT0);
  {
    SQLite::Database db(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(kVersion1Schema);
    db.exec(kVersion4Additions);
    SQLite::Statement post(db,
                           "INSERT INTO posts VALUES (?, ?, ?, 'news', 'Văn phòng Sở', "
                           "'[\"mot-cua\"]', 'publish', ?, ?, 1)");
    post.bind(1, item.id);
    post.bind(2, ItemToJson(item).dump());
    post.bind(3, item.title);
    post.bind(4, t0);
    post.bind(5, t0);
    post.exec();
    SQLite::Statement deliveries(
        db,
        "INSERT INTO deliveries (id, post_id, channel, state, due_at, attempts, next_attempt_at, "
        "remote_id, remote_url, updated_at, resume_token) VALUES "
        "(3, ?1, 'portal', 'published', ?2, 1, NULL, '77', 'https://x.gov.vn/b/', ?2, NULL), "
        "(4, ?1, 'zalo', 'scheduled', ?2, 1, ?2 + 30000, NULL, NULL, ?2, 'tok-9')");
    deliveries.bind(1, item.id);
    deliveries.bind(2, t0);
    deliveries.exec();
    SQLite::Statement attempts(
        db,
        "INSERT INTO attempts (id, delivery_id, action, number, started_at, ended_at, outcome, "
        "http_status, latency_ms, error, remote_id, remote_url, decision) VALUES "
        "(11, 3, 'publish', 1, ?1, ?1 + 900, 'published', 201, 900, NULL, '77', "
        "'https://x.gov.vn/b/', 0), "
        "(12, 4, 'publish', 1, ?1, ?1 + 400, 'pending', 200, 400, 'checking', NULL, NULL, 0)");
    attempts.bind(1, t0);
    attempts.exec();
  }

  auto opened = SqliteStore::Open(old);
  ASSERT_TRUE(opened.ok()) << opened.error();
  SqliteStore& store = **opened;
  EXPECT_EQ(store.SchemaVersion().value(), Store::kSchemaVersion);

  std::vector<Delivery> ds = store.ListDeliveries(item.id).value();
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].remote_url, "https://x.gov.vn/b/");
  EXPECT_EQ(ds[1].resume_token, "tok-9");
  EXPECT_EQ(ds[1].next_attempt_at, kT0 + seconds(30));

  // Every row kept, each now loa's own.
  std::vector<AttemptRow> rows = store.AttemptsAfter(0, 100).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seq, 11);
  EXPECT_EQ(rows[0].record.outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[0].record.remote_id, "77");
  EXPECT_EQ(rows[0].record.actor, Actor::kLoa);
  EXPECT_EQ(rows[1].seq, 12);
  EXPECT_EQ(rows[1].record.outcome, AttemptOutcome::kPending);
  EXPECT_EQ(rows[1].record.error, "checking");
  EXPECT_EQ(rows[1].record.actor, Actor::kLoa);
  EXPECT_EQ(Must(store.LastAttemptStart("portal")), kT0);

  // New rows say who decided them; the column takes no other name.
  ASSERT_TRUE(store
                  .Transition(3, DeliveryState::kPublished, DeliveryState::kRetracted,
                              "taken down by hand", kT0 + minutes(1))
                  .ok());
  rows = store.AttemptsAfter(12, 100).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].record.actor, Actor::kLoa);
  SQLite::Database db(old.string(), SQLite::OPEN_READWRITE);
  EXPECT_EQ(db.execAndGet("SELECT group_concat(actor) FROM attempts").getString(), "loa,loa,loa");
  EXPECT_THROW(db.exec("UPDATE attempts SET actor = 'someone' WHERE id = 11"), SQLite::Exception);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

// What version 5 added to version 4 (who decided each attempt row).
constexpr const char* kVersion5Additions = R"sql(
    ALTER TABLE attempts ADD COLUMN actor TEXT NOT NULL DEFAULT 'loa'
      CHECK (actor IN ('loa', 'operator'));
    PRAGMA user_version = 5;
)sql";

TEST_F(StoreTest, MigratesVersion5DatabaseMakingTheCurrentContentARevision) {
  // A post replaced once (revision 2) before loa kept revisions: published
  // on the portal, failed on zalo after an operator's retry, no file known.
  Item item = MakeItem("2026-12-01-v5", {"portal", "zalo"}, kT0);
  Item other = MakeItem("2026-12-02-v5", {"cchc"}, kT0 + hours(24));
  other.form.reset();
  const std::string item_json = ItemToJson(item).dump();
  const fs::path old = dir_ / "v5.db";
  const int64_t t0 = ToUnixMillis(kT0);
  {
    SQLite::Database db(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(kVersion1Schema);
    db.exec(kVersion4Additions);
    db.exec(kVersion5Additions);
    SQLite::Statement post(db,
                           "INSERT INTO posts VALUES (?1, ?2, ?3, ?4, 'Văn phòng Sở', "
                           "'[\"mot-cua\"]', 'publish', ?5, ?5 + 60000, ?6)");
    post.bind(1, item.id);
    post.bind(2, item_json);
    post.bind(3, item.title);
    post.bind(4, "news");
    post.bind(5, t0);
    post.bind(6, 2);
    post.exec();
    post.reset();
    post.bind(1, other.id);
    post.bind(2, ItemToJson(other).dump());
    post.bind(3, other.title);
    post.bind(4);  // no form: stays NULL
    post.bind(5, t0);
    post.bind(6, 1);
    post.exec();
    SQLite::Statement deliveries(
        db,
        "INSERT INTO deliveries (id, post_id, channel, state, due_at, attempts, remote_id, "
        "remote_url, last_error, updated_at) VALUES "
        "(3, ?1, 'portal', 'published', ?3, 1, '77', 'https://x.gov.vn/b/', NULL, ?3), "
        "(4, ?1, 'zalo', 'failed', ?3, 1, NULL, NULL, 'token expired', ?3), "
        "(5, ?2, 'cchc', 'scheduled', ?3 + 86400000, 0, NULL, NULL, NULL, ?3)");
    deliveries.bind(1, item.id);
    deliveries.bind(2, other.id);
    deliveries.bind(3, t0);
    deliveries.exec();
    SQLite::Statement attempts(
        db,
        "INSERT INTO attempts (id, delivery_id, action, number, started_at, ended_at, outcome, "
        "http_status, latency_ms, error, remote_id, remote_url, decision, actor) VALUES "
        "(11, 3, 'publish', 1, ?1, ?1 + 900, 'published', 201, 900, NULL, '77', "
        "'https://x.gov.vn/b/', 0, 'loa'), "
        "(12, 4, 'publish', 1, ?1, ?1 + 400, 'failed', 401, 400, 'token expired', NULL, NULL, "
        "0, 'loa'), "
        "(13, 4, 'publish', 1, ?1 + 1000, ?1 + 1000, 'retry', NULL, 0, 'retry asked', NULL, "
        "NULL, 1, 'operator'), "
        "(14, 4, 'publish', 1, ?1 + 2000, ?1 + 2400, 'failed', 401, 400, 'token expired', "
        "NULL, NULL, 0, 'loa')");
    attempts.bind(1, t0);
    attempts.exec();
  }

  auto opened = SqliteStore::Open(old);
  ASSERT_TRUE(opened.ok()) << opened.error();
  SqliteStore& store = **opened;
  EXPECT_EQ(store.SchemaVersion().value(), Store::kSchemaVersion);

  // The content loa had is the item's one revision row: the current one,
  // hashed as UpsertPost hashes, its file not known.
  std::vector<ItemRevision> revisions = Must(store.ListRevisions(item.id));
  ASSERT_EQ(revisions.size(), 1u);
  EXPECT_EQ(revisions[0].revision, 2);
  EXPECT_EQ(revisions[0].accepted_at, kT0 + minutes(1));
  EXPECT_EQ(revisions[0].file, "");
  EXPECT_EQ(revisions[0].sha256, Sha256Hex(item_json));
  EXPECT_EQ(revisions[0].approved_by, "Nguyễn Văn A");
  EXPECT_EQ(revisions[0].title, item.title);
  EXPECT_EQ(revisions[0].form, "news");
  EXPECT_EQ(revisions[0].unit, "Văn phòng Sở");
  EXPECT_EQ(revisions[0].topics, std::vector<std::string>{"mot-cua"});
  EXPECT_EQ(revisions[0].item_json, item_json);
  std::vector<ItemRevision> others = Must(store.ListRevisions(other.id));
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].revision, 1);
  EXPECT_EQ(others[0].form, "");

  // Every delivery and row kept, each about the post's current revision.
  std::vector<Delivery> ds = store.ListDeliveries().value();
  ASSERT_EQ(ds.size(), 3u);
  EXPECT_EQ(ds[0].remote_url, "https://x.gov.vn/b/");
  EXPECT_EQ(ds[0].revision, 2);
  EXPECT_EQ(ds[1].state, DeliveryState::kFailed);
  EXPECT_EQ(ds[1].last_error, "token expired");
  EXPECT_EQ(ds[1].revision, 2);
  EXPECT_EQ(ds[2].revision, 1);
  std::vector<AttemptRow> rows = store.AttemptsAfter(0, 100).value();
  ASSERT_EQ(rows.size(), 4u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, static_cast<int64_t>(11 + i));
    EXPECT_EQ(rows[i].revision, 2);
    EXPECT_EQ(rows[i].title, item.title);
  }
  EXPECT_EQ(rows[2].record.actor, Actor::kOperator);
  EXPECT_EQ(rows[3].record.error, "token expired");

  // The next change is revision 3, and the report reads the old one for
  // the portal, which keeps it.
  Item changed = item;
  changed.title = "Tiêu đề đã sửa";
  UpsertOutcome out = Must(store.UpsertPost(changed, kT0 + hours(1), DropSource{"sua.json"}));
  EXPECT_EQ(out.revision, 3);
  EXPECT_EQ(out.kept, std::vector<std::string>{"portal"});
  ASSERT_EQ(Must(store.ListRevisions(item.id)).size(), 2u);
  auto settled = Must(store.SettledBetween(kT0, kT0 + hours(2)));
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].revision, 2);
  EXPECT_EQ(settled[0].title, item.title);

  SQLite::Database db(old.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM posts").getInt(), 2);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM revisions").getInt(), 3);
  EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM pragma_foreign_key_check").getInt(), 0);
}

TEST_F(StoreTest, FailedMigrationLeavesVersion1Untouched) {
  // A v1 file that already has a table the migration wants to create: the
  // step fails halfway, and its transaction must leave nothing behind.
  const fs::path old = dir_ / "v1-clash.db";
  {
    SQLite::Database db(old.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(kVersion1Schema);
    db.exec("CREATE TABLE oauth_tokens (x INTEGER)");
    db.exec("INSERT INTO posts VALUES ('p', '{}', 't', NULL, NULL, '[]', 'publish', 0, 0, 1)");
    db.exec(
        "INSERT INTO deliveries (post_id, channel, state, due_at, updated_at) "
        "VALUES ('p', 'portal', 'scheduled', 0, 0)");
    db.exec(
        "INSERT INTO attempts (delivery_id, number, started_at, ended_at, outcome) "
        "VALUES (1, 1, 0, 0, 'retry')");
  }
  auto opened = SqliteStore::Open(old);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("schema version 2"), std::string::npos) << opened.error();
  SQLite::Database db(old.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), 1);
  EXPECT_EQ(db.execAndGet("SELECT COUNT(*) FROM attempts").getInt(), 1);
  EXPECT_FALSE(db.tableExists("attempts_v2"));
  SQLite::Statement cols(db, "SELECT name FROM pragma_table_info('deliveries')");
  while (cols.executeStep()) EXPECT_NE(cols.getColumn(0).getString(), "retract_requested_at");
}

TEST_F(StoreTest, MigratesAnEmptyFile) {
  const fs::path empty = dir_ / "empty.db";
  std::ofstream(empty).close();
  ASSERT_EQ(fs::file_size(empty), 0u);
  auto opened = SqliteStore::Open(empty);
  ASSERT_TRUE(opened.ok()) << opened.error();
  EXPECT_EQ((*opened)->SchemaVersion().value(), Store::kSchemaVersion);
  auto out = (*opened)->UpsertPost(MakeItem("b", {"portal"}, kT0), kT0);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ((*opened)->ListDeliveries().value().size(), 1u);
}

TEST_F(StoreTest, ReopeningKeepsDataAndVersion) {
  Item item = MakeItem("2026-12-01-mot-cua", {"portal", "cchc"}, kT0 + hours(1));
  Upsert(item);
  Attempt(Get(item.id, "portal").id, kT0 + hours(1), "published", DeliveryState::kPublished);
  store_.reset();

  store_ = OpenOrDie();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->SchemaVersion().value(), Store::kSchemaVersion);
  auto back = store_->GetPost(item.id);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->title, item.title);
  EXPECT_EQ(back->body_markdown, item.body_markdown);
  EXPECT_EQ(back->publish_at, item.publish_at);
  EXPECT_EQ(back->channels, item.channels);
  EXPECT_EQ(back->topics, item.topics);
  EXPECT_EQ(Get(item.id, "portal").state, DeliveryState::kPublished);
  EXPECT_EQ(Get(item.id, "cchc").state, DeliveryState::kScheduled);
  EXPECT_EQ(store_->ListAttempts(Get(item.id, "portal").id).value().size(), 1u);
}

TEST_F(StoreTest, RefusesDatabaseFromNewerLoa) {
  const fs::path newer = dir_ / "newer.db";
  {
    SQLite::Database db(newer.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE future (x INTEGER)");
    db.exec("PRAGMA user_version = " + std::to_string(Store::kSchemaVersion + 1));
  }
  auto opened = SqliteStore::Open(newer);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("created by a newer loa"), std::string::npos) << opened.error();
  EXPECT_NE(opened.error().find(newer.string()), std::string::npos) << opened.error();
  SQLite::Database db(newer.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA user_version").getInt(), Store::kSchemaVersion + 1);
  EXPECT_FALSE(db.tableExists("posts"));
}

TEST_F(StoreTest, RefusesFileThatIsNotADatabase) {
  const fs::path junk = dir_ / "junk.db";
  std::ofstream(junk) << "this is not an SQLite database, just some text long enough to matter\n";
  auto opened = SqliteStore::Open(junk);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find(junk.string()), std::string::npos) << opened.error();
}

TEST_F(StoreTest, UsesWalSynchronousFullAndForeignKeys) {
  auto journal = store_->Pragma("journal_mode");
  ASSERT_TRUE(journal.ok()) << journal.error();
  EXPECT_EQ(*journal, "wal");
  auto sync = store_->Pragma("synchronous");
  ASSERT_TRUE(sync.ok()) << sync.error();
  EXPECT_EQ(*sync, "2");  // FULL
  auto fk = store_->Pragma("foreign_keys");
  ASSERT_TRUE(fk.ok()) << fk.error();
  EXPECT_EQ(*fk, "1");
  auto busy = store_->Pragma("busy_timeout");
  ASSERT_TRUE(busy.ok()) << busy.error();
  EXPECT_GT(std::stoi(*busy), 0);
  EXPECT_FALSE(store_->Pragma("user_version = 7").ok());
  EXPECT_EQ(store_->SchemaVersion().value(), Store::kSchemaVersion);
  // WAL is a property of the file: another connection sees it too.
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

// ---- Upserts ------------------------------------------------------------------

TEST_F(StoreTest, NewPostGetsOneScheduledDeliveryPerChannel) {
  Item item = MakeItem("2026-12-01-mot-cua", {"portal", "facebook", "portal"}, kT0 + hours(2));
  item.overrides["facebook"].publish_at = kT0 + hours(12);
  auto out = store_->UpsertPost(item, kT0);
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_FALSE(out->existed);
  EXPECT_EQ(out->scheduled, (std::vector<std::string>{"portal", "facebook"}));
  EXPECT_TRUE(out->cancelled.empty());
  EXPECT_TRUE(out->kept.empty());

  ASSERT_EQ(store_->ListDeliveries(item.id).value().size(), 2u);
  Delivery portal = Get(item.id, "portal");
  EXPECT_EQ(portal.state, DeliveryState::kScheduled);
  EXPECT_EQ(portal.due_at, kT0 + hours(2));
  EXPECT_EQ(portal.attempts, 0);
  EXPECT_EQ(portal.next_attempt_at, std::nullopt);
  EXPECT_EQ(portal.updated_at, kT0);
  EXPECT_EQ(Get(item.id, "facebook").due_at, kT0 + hours(12));
  EXPECT_EQ(Must(store_->InState(DeliveryState::kScheduled)).size(), 2u);

  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  SQLite::Statement row(db,
                        "SELECT title, form, unit, topics_json, action, revision, created_at "
                        "FROM posts WHERE id = ?");
  row.bind(1, item.id);
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), item.title);
  EXPECT_EQ(row.getColumn(1).getString(), "news");
  EXPECT_EQ(row.getColumn(2).getString(), "Văn phòng Sở");
  EXPECT_EQ(row.getColumn(3).getString(), R"(["mot-cua","kiem-soat-tthc"])");
  EXPECT_EQ(row.getColumn(4).getString(), "publish");
  EXPECT_EQ(row.getColumn(5).getInt(), 1);
  EXPECT_EQ(row.getColumn(6).getInt64(), ToUnixMillis(kT0));
}

TEST_F(StoreTest, GetPostOfUnknownIdIsAnError) {
  auto missing = store_->GetPost("no-such-item");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("no-such-item"), std::string::npos) << missing.error();

  Upsert(MakeItem("damaged", {"portal"}, kT0));
  {
    SQLite::Database db(path_.string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE posts SET item_json = '{\"id\": 5' WHERE id = 'damaged'");
  }
  auto damaged = store_->GetPost("damaged");
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.error().find("damaged"), std::string::npos) << damaged.error();
}

TEST_F(StoreTest, ReplacingReschedulesEveryDeliveryNotYetOut) {
  Item item = MakeItem("x", {"portal", "cchc", "legal-aid"}, kT0);
  Upsert(item);
  // portal: a retry is pending; cchc: failed; legal-aid: cancelled.
  Attempt(Get("x", "portal").id, kT0, "retry", DeliveryState::kScheduled, kT0 + minutes(5));
  Attempt(Get("x", "cchc").id, kT0, "failed", DeliveryState::kFailed);
  ASSERT_TRUE(store_
                  ->Transition(Get("x", "legal-aid").id, DeliveryState::kScheduled,
                               DeliveryState::kCancelled, "withdrawn", kT0)
                  .ok());

  Item v2 = MakeItem("x", {"portal", "cchc", "legal-aid"}, kT0 + hours(3));
  v2.title = "Tiêu đề đã sửa";
  auto out = store_->UpsertPost(v2, kT0 + minutes(1));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(out->existed);
  EXPECT_EQ(out->scheduled, (std::vector<std::string>{"portal", "cchc", "legal-aid"}));
  EXPECT_TRUE(out->kept.empty());
  EXPECT_TRUE(out->cancelled.empty());
  for (const Delivery& d : store_->ListDeliveries("x").value()) {
    EXPECT_EQ(d.state, DeliveryState::kScheduled) << d.channel;
    EXPECT_EQ(d.due_at, kT0 + hours(3)) << d.channel;
    EXPECT_EQ(d.attempts, 0) << d.channel;
    EXPECT_EQ(d.next_attempt_at, std::nullopt) << d.channel;
    EXPECT_EQ(d.last_error, "") << d.channel;
    EXPECT_EQ(d.error_class, ErrorClass::kNone) << d.channel;
    EXPECT_EQ(d.updated_at, kT0 + minutes(1)) << d.channel;
  }
  EXPECT_EQ(store_->ListDeliveries("x").value().size(), 3u);
  auto back = store_->GetPost("x");
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->title, "Tiêu đề đã sửa");
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT revision FROM posts WHERE id = 'x'").getInt(), 2);
  // The history of the earlier version stays, and each delivery brought back
  // from failed or cancelled to scheduled has its row.
  EXPECT_EQ(CountRows("attempts"), 2 + 3);
}

TEST_F(StoreTest, TheSameItemAgainChangesNothing) {
  // A kill between the commit and the move to accepted/ leaves the source in
  // the inbox; taking it again must not reset a delivery that waits for a
  // lost create to land.
  Item item = MakeItem("x", {"portal", "cchc"}, kT0);
  Upsert(item);
  Attempt(Get("x", "portal").id, kT0, "retry", DeliveryState::kScheduled, kT0 + seconds(32));
  std::vector<Delivery> before = store_->ListDeliveries("x").value();

  auto out = store_->UpsertPost(item, kT0 + seconds(5));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(out->existed);
  EXPECT_TRUE(out->unchanged);
  EXPECT_TRUE(out->scheduled.empty());
  std::vector<Delivery> after = store_->ListDeliveries("x").value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) ExpectSameDelivery(after[i], before[i]);
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT revision FROM posts WHERE id = 'x'").getInt(), 1);
}

TEST_F(StoreTest, ReplacingKeepsAWaitThatEndsAfterTheNewDueTime) {
  // The wait after a lost create is the time before which that create may
  // still land: a correction dropped meanwhile must not send earlier.
  Upsert(MakeItem("x", {"portal"}, kT0));
  Attempt(Get("x", "portal").id, kT0, "retry", DeliveryState::kScheduled, kT0 + seconds(32));

  Item v2 = MakeItem("x", {"portal"}, kT0);
  v2.title = "Tiêu đề đã sửa";
  auto out = store_->UpsertPost(v2, kT0 + seconds(5));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_FALSE(out->unchanged);
  EXPECT_EQ(out->scheduled, (std::vector<std::string>{"portal"}));
  const Delivery d = Get("x", "portal");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_EQ(d.next_attempt_at, kT0 + seconds(32));
  EXPECT_EQ(Must(store_->NextScheduled("portal"))->EffectiveDue(), kT0 + seconds(32));
}

TEST_F(StoreTest, ReplacingKeepsWhatIsOutOrMayBeOut) {
  Item item = MakeItem("x", {"portal", "cchc", "legal-aid", "zalo"}, kT0);
  Upsert(item);
  auto begun = store_->BeginAttempt(Get("x", "portal").id, kT0);
  ASSERT_TRUE(begun.ok());
  AttemptRecord pub = Record(*begun, kT0, "published", DeliveryState::kPublished);
  pub.remote_id = "42";
  pub.remote_url = "https://stp.example.gov.vn/x/";
  ASSERT_TRUE(store_->FinishAttempt(pub).ok());
  ASSERT_TRUE(store_->BeginAttempt(Get("x", "cchc").id, kT0).ok());  // left in sending
  Attempt(Get("x", "legal-aid").id, kT0, "uncertain", DeliveryState::kUncertain);
  Attempt(Get("x", "zalo").id, kT0, "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_
                  ->Transition(Get("x", "zalo").id, DeliveryState::kPublished,
                               DeliveryState::kRetracted, "taken down", kT0)
                  .ok());
  std::vector<Delivery> before = store_->ListDeliveries("x").value();

  auto out = store_->UpsertPost(MakeItem("x", item.channels, kT0 + hours(5)), kT0 + hours(1));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_TRUE(out->existed);
  EXPECT_TRUE(out->scheduled.empty());
  EXPECT_TRUE(out->cancelled.empty());
  EXPECT_EQ(out->kept, (std::vector<std::string>{"portal", "cchc", "legal-aid", "zalo"}));
  std::vector<Delivery> after = store_->ListDeliveries("x").value();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) ExpectSameDelivery(after[i], before[i]);
  EXPECT_EQ(Get("x", "portal").remote_url, "https://stp.example.gov.vn/x/");
}

TEST_F(StoreTest, ReplacingCancelsScheduledChannelsNoLongerNamed) {
  Upsert(MakeItem("x", {"portal", "cchc", "facebook"}, kT0 + hours(1)));
  Attempt(Get("x", "facebook").id, kT0, "published", DeliveryState::kPublished);

  auto out =
      store_->UpsertPost(MakeItem("x", {"portal", "zalo"}, kT0 + hours(2)), kT0 + minutes(3));
  ASSERT_TRUE(out.ok()) << out.error();
  EXPECT_EQ(out->scheduled, (std::vector<std::string>{"portal", "zalo"}));
  EXPECT_EQ(out->cancelled, (std::vector<std::string>{"cchc"}));
  // Out already and no longer named: it keeps what it published, and the
  // outcome says so (the editor's note lists it).
  EXPECT_EQ(out->kept, (std::vector<std::string>{"facebook"}));

  Delivery cchc = Get("x", "cchc");
  EXPECT_EQ(cchc.state, DeliveryState::kCancelled);
  EXPECT_EQ(cchc.updated_at, kT0 + minutes(3));
  EXPECT_FALSE(cchc.last_error.empty());
  EXPECT_EQ(Get("x", "facebook").state, DeliveryState::kPublished);  // out: untouched
  EXPECT_EQ(Get("x", "zalo").state, DeliveryState::kScheduled);
  EXPECT_EQ(Get("x", "zalo").due_at, kT0 + hours(2));
  // The cancellation is an attempt row like any other decision, committed
  // with it, so deliveries.jsonl (built from the rows) records it.
  std::vector<AttemptRecord> rows = store_->ListAttempts(cchc.id).value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kCancelled);
  EXPECT_EQ(rows[0].number, 0);
  EXPECT_EQ(rows[0].ended_at, kT0 + minutes(3));
  EXPECT_EQ(rows[0].error, cchc.last_error);
  EXPECT_EQ(store_->ListDeliveries("x").value().size(), 4u);
  EXPECT_EQ(store_->ListDeliveries().value().size(), 4u);
  EXPECT_EQ(CountRows("attempts"), 2);  // facebook's try and cchc's cancellation
}

// ---- Attempts -------------------------------------------------------------------

TEST_F(StoreTest, BeginAttemptOnlyFromScheduled) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  auto begun = store_->BeginAttempt(id, kT0 + seconds(1));
  ASSERT_TRUE(begun.ok()) << begun.error();
  EXPECT_EQ(begun->state, DeliveryState::kSending);
  EXPECT_EQ(begun->attempts, 1);
  EXPECT_EQ(begun->updated_at, kT0 + seconds(1));
  ExpectSameDelivery(*begun, *store_->GetDelivery(id));

  auto again = store_->BeginAttempt(id, kT0 + seconds(2));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("sending"), std::string::npos) << again.error();
  EXPECT_EQ(store_->GetDelivery(id)->attempts, 1);

  AttemptRecord done = Record(*begun, kT0 + seconds(1), "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->FinishAttempt(done).ok());
  auto after_publish = store_->BeginAttempt(id, kT0 + seconds(3));
  ASSERT_FALSE(after_publish.ok());
  EXPECT_NE(after_publish.error().find("published"), std::string::npos) << after_publish.error();

  EXPECT_FALSE(store_->BeginAttempt(id + 1000, kT0).ok());
  EXPECT_EQ(store_->GetDelivery(id + 1000).code(), Error::Code::kNotFound);
}

TEST_F(StoreTest, FinishPublishedRecordsAttemptAndRemote) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  auto begun = store_->BeginAttempt(Get("x", "portal").id, kT0);
  ASSERT_TRUE(begun.ok());
  AttemptRecord rec = Record(*begun, kT0, "published", DeliveryState::kPublished);
  rec.remote_id = "1234";
  rec.remote_url = "https://stp.example.gov.vn/x/";
  rec.http_status = 201;
  rec.next_attempt_at = kT0 + hours(1);  // meaningless here: not stored
  ASSERT_TRUE(store_->FinishAttempt(rec).ok());

  Delivery d = *store_->GetDelivery(begun->id);
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_EQ(d.remote_id, "1234");
  EXPECT_EQ(d.remote_url, "https://stp.example.gov.vn/x/");
  EXPECT_EQ(d.next_attempt_at, std::nullopt);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(d.updated_at, rec.ended_at);

  std::vector<AttemptRecord> attempts = store_->ListAttempts(d.id).value();
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].delivery_id, d.id);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[0].started_at, kT0);
  EXPECT_EQ(attempts[0].ended_at, kT0 + seconds(2));
  EXPECT_EQ(attempts[0].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(attempts[0].new_state(), DeliveryState::kPublished);
  EXPECT_EQ(attempts[0].http_status, 201);
  EXPECT_EQ(attempts[0].latency_ms, 2000);
  EXPECT_EQ(attempts[0].error, "");
  EXPECT_EQ(Must(store_->InState(DeliveryState::kPublished)).size(), 1u);
}

TEST_F(StoreTest, FinishFailedAndUncertainKeepTheError) {
  Upsert(MakeItem("x", {"portal", "cchc"}, kT0));
  auto a = store_->BeginAttempt(Get("x", "portal").id, kT0);
  ASSERT_TRUE(a.ok());
  AttemptRecord failed = Record(*a, kT0, "failed", DeliveryState::kFailed);
  failed.http_status = 400;
  failed.error_class = ErrorClass::kPermanent;
  failed.error = "rest_invalid_param: title";
  ASSERT_TRUE(store_->FinishAttempt(failed).ok());
  Delivery fd = *store_->GetDelivery(a->id);
  EXPECT_EQ(fd.state, DeliveryState::kFailed);
  EXPECT_EQ(fd.last_error, "rest_invalid_param: title");
  EXPECT_EQ(fd.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(store_->ListAttempts(a->id).value().at(0).error_class, ErrorClass::kPermanent);
  EXPECT_EQ(store_->ListAttempts(a->id).value().at(0).error, "rest_invalid_param: title");

  auto b = store_->BeginAttempt(Get("x", "cchc").id, kT0);
  ASSERT_TRUE(b.ok());
  AttemptRecord lost = Record(*b, kT0, "uncertain", DeliveryState::kUncertain);
  lost.error_class = ErrorClass::kUncertain;
  lost.error = "connection reset after the request was sent";
  ASSERT_TRUE(store_->FinishAttempt(lost).ok());
  Delivery ud = *store_->GetDelivery(b->id);
  EXPECT_EQ(ud.state, DeliveryState::kUncertain);
  EXPECT_EQ(ud.error_class, ErrorClass::kUncertain);
  EXPECT_EQ(Must(store_->InState(DeliveryState::kUncertain)).size(), 1u);
  EXPECT_EQ(Must(store_->InState(DeliveryState::kFailed)).size(), 1u);
  // Neither is offered to the scheduler.
  EXPECT_EQ(Must(store_->NextScheduled("portal")), std::nullopt);
  EXPECT_EQ(Must(store_->NextScheduled("cchc")), std::nullopt);
}

TEST_F(StoreTest, RetryWaitsForNextAttemptAndOrdersByEffectiveDue) {
  Upsert(MakeItem("a", {"portal"}, kT0 + minutes(10)));
  Upsert(MakeItem("b", {"portal"}, kT0 + minutes(20)));
  Upsert(MakeItem("c", {"portal"}, kT0 + minutes(5)));
  Upsert(MakeItem("d", {"portal"}, kT0 + minutes(20)));  // ties with b: lower id first
  Upsert(MakeItem("e", {"cchc"}, kT0));                  // another channel: never offered

  ASSERT_EQ(Must(store_->NextScheduled("portal"))->post_id, "c");
  auto begun = store_->BeginAttempt(Get("c", "portal").id, kT0 + minutes(5));
  ASSERT_TRUE(begun.ok());
  // While c is sending, the next scheduled one is a.
  EXPECT_EQ(Must(store_->NextScheduled("portal"))->post_id, "a");
  AttemptRecord retry = Record(*begun, kT0 + minutes(5), "retry", DeliveryState::kScheduled);
  retry.next_attempt_at = kT0 + minutes(30);
  retry.http_status = 503;
  retry.error_class = ErrorClass::kTransient;
  retry.error = "503 Service Unavailable";
  ASSERT_TRUE(store_->FinishAttempt(retry).ok());

  Delivery c = Get("c", "portal");
  EXPECT_EQ(c.state, DeliveryState::kScheduled);
  EXPECT_EQ(c.attempts, 1);
  EXPECT_EQ(c.next_attempt_at, kT0 + minutes(30));
  EXPECT_EQ(c.EffectiveDue(), kT0 + minutes(30));
  EXPECT_EQ(c.due_at, kT0 + minutes(5));
  EXPECT_EQ(c.last_error, "503 Service Unavailable");
  EXPECT_EQ(c.error_class, ErrorClass::kTransient);

  // Effective due times now: a 10, b 20, d 20, c 30.
  std::vector<std::string> order;
  while (auto next = Must(store_->NextScheduled("portal"))) {
    order.push_back(next->post_id);
    Attempt(next->id, kT0 + hours(1), "published", DeliveryState::kPublished);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "d", "c"}));
  EXPECT_EQ(Get("c", "portal").attempts, 2);
  EXPECT_EQ(Get("c", "portal").next_attempt_at, std::nullopt);
  EXPECT_EQ(Get("c", "portal").last_error, "");
  EXPECT_EQ(store_->ListAttempts(Get("c", "portal").id).value().size(), 2u);
  EXPECT_EQ(store_->ListAttempts(Get("c", "portal").id).value().at(0).outcome,
            AttemptOutcome::kRetry);
  EXPECT_EQ(store_->ListAttempts(Get("c", "portal").id).value().at(0).new_state(),
            DeliveryState::kScheduled);
  EXPECT_EQ(Must(store_->NextScheduled("cchc"))->post_id, "e");
  EXPECT_EQ(Must(store_->NextScheduled("zalo")), std::nullopt);
}

TEST_F(StoreTest, MissedAndCancelledAreRecordedFromScheduled) {
  Upsert(MakeItem("x", {"portal", "cchc"}, kT0));
  Delivery portal = Get("x", "portal");
  AttemptRecord missed = Record(portal, kT0 + hours(200), "missed", DeliveryState::kFailed);
  missed.error = "missed: due more than max_lateness (7d) late";
  ASSERT_TRUE(store_->FinishAttempt(missed).ok());
  portal = Get("x", "portal");
  EXPECT_EQ(portal.state, DeliveryState::kFailed);
  EXPECT_EQ(portal.attempts, 0);  // nothing was tried
  EXPECT_EQ(portal.last_error, missed.error);
  ASSERT_EQ(store_->ListAttempts(portal.id).value().size(), 1u);
  EXPECT_EQ(store_->ListAttempts(portal.id).value()[0].outcome, AttemptOutcome::kMissed);
  EXPECT_EQ(store_->ListAttempts(portal.id).value()[0].number, 0);

  Delivery cchc = Get("x", "cchc");
  AttemptRecord cancel = Record(cchc, kT0, "cancelled", DeliveryState::kCancelled);
  cancel.error = "retracted";
  ASSERT_TRUE(store_->FinishAttempt(cancel).ok());
  EXPECT_EQ(Get("x", "cchc").state, DeliveryState::kCancelled);
  EXPECT_EQ(CountRows("attempts"), 2);
}

// ---- Report reads -----------------------------------------------------------

// Grouped commits: the writes of a group are durable together, at its end.
TEST_F(StoreTest, AGroupOfWritesCommitsTogetherAndAFailedWriteUndoesOnlyItself) {
  SQLite::Database other(path_.string(), SQLite::OPEN_READONLY);
  auto posts_seen = [&] { return other.execAndGet("SELECT COUNT(*) FROM posts").getInt(); };
  ASSERT_TRUE(store_->BeginGroup().ok());
  EXPECT_FALSE(store_->BeginGroup().ok());  // groups do not nest
  Upsert(MakeItem("a", {"portal"}, kT0));
  // A write that fails in the group undoes itself alone.
  EXPECT_FALSE(store_->BeginAttempt(9999, kT0).ok());
  Upsert(MakeItem("b", {"portal", "zalo"}, kT0));
  auto begun = store_->BeginAttempt(Get("a", "portal").id, kT0);
  ASSERT_TRUE(begun.ok()) << begun.error();
  // Reads in the group see its writes; another process sees none yet.
  EXPECT_EQ(Get("a", "portal").state, DeliveryState::kSending);
  EXPECT_EQ(posts_seen(), 0);
  ASSERT_TRUE(store_->EndGroup().ok());
  EXPECT_EQ(posts_seen(), 2);
  EXPECT_FALSE(store_->EndGroup().ok());  // none open

  // SQLite undoes a whole transaction after some errors (a full disk, an
  // I/O error): the group's writes are gone, a later write of the group
  // must not commit on its own, and the end says so.
  ASSERT_TRUE(store_->BeginGroup().ok());
  Upsert(MakeItem("c", {"portal"}, kT0));
  ASSERT_TRUE(store_->ExecForTest("ROLLBACK").ok());
  auto alone = store_->UpsertPost(MakeItem("d", {"portal"}, kT0), kT0);
  ASSERT_FALSE(alone.ok());
  EXPECT_NE(alone.error().find("undid"), std::string::npos) << alone.error();
  Status ended = store_->EndGroup();
  ASSERT_FALSE(ended.ok());
  EXPECT_NE(ended.error().find("undid"), std::string::npos) << ended.error();
  EXPECT_EQ(posts_seen(), 2);
  // And the store takes writes again, each committed alone.
  Upsert(MakeItem("e", {"portal"}, kT0));
  EXPECT_EQ(posts_seen(), 3);
}

TEST_F(StoreTest, LatestSettledListsTheNewestOfThePeriodFirstUpToTheLimit) {
  Upsert(MakeItem("a", {"portal", "cchc", "facebook"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0));
  Attempt(Get("a", "portal").id, kT0, "published", DeliveryState::kPublished);
  Attempt(Get("a", "cchc").id, kT0 + minutes(1), "failed", DeliveryState::kFailed);
  Attempt(Get("a", "facebook").id, kT0 + minutes(2), "uncertain", DeliveryState::kUncertain);
  Attempt(Get("b", "portal").id, kT0 + hours(30), "published", DeliveryState::kPublished);

  auto two = Must(store_->LatestSettled(kT0, kT0 + hours(24), 2));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].delivery.channel, "facebook");
  EXPECT_EQ(two[0].outcome, AttemptOutcome::kUncertain);
  EXPECT_EQ(two[0].title, "Sở Tư pháp đẩy mạnh cơ chế một cửa");
  EXPECT_EQ(two[1].delivery.channel, "cchc");
  EXPECT_EQ(two[1].outcome, AttemptOutcome::kFailed);

  // The same rows as SettledBetween, newest first; "b" is outside.
  auto all = Must(store_->LatestSettled(kT0, kT0 + hours(24), 100));
  auto between = Must(store_->SettledBetween(kT0, kT0 + hours(24)));
  ASSERT_EQ(all.size(), 3u);
  ASSERT_EQ(between.size(), 3u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].delivery.id, between[2 - i].delivery.id);
    EXPECT_EQ(all[i].settled_at, between[2 - i].settled_at);
  }
  EXPECT_TRUE(Must(store_->LatestSettled(kT0, kT0 + hours(24), 0)).empty());
}

TEST_F(StoreTest, SettledBetweenListsWhatSettledInThePeriodWithItsItem) {
  Upsert(MakeItem("a", {"portal", "cchc", "facebook", "zalo"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0 + hours(48)));
  Delivery portal = Get("a", "portal");
  Attempt(portal.id, kT0, "published", DeliveryState::kPublished);
  // Retried then failed: the failure settles it, the retry does not.
  Delivery cchc = Get("a", "cchc");
  Attempt(cchc.id, kT0, "retry", DeliveryState::kScheduled, kT0 + minutes(1));
  Attempt(cchc.id, kT0 + minutes(1), "failed", DeliveryState::kFailed);
  Delivery zalo = Get("a", "zalo");
  Attempt(zalo.id, kT0 + minutes(2), "uncertain", DeliveryState::kUncertain);
  AttemptRecord missed =
      Record(Get("a", "facebook"), kT0 + hours(2), "missed", DeliveryState::kFailed);
  missed.error = "missed: due more than max_lateness late";
  ASSERT_TRUE(store_->FinishAttempt(missed).ok());
  // Published after the period: not listed.
  Attempt(Get("b", "portal").id, kT0 + hours(48), "published", DeliveryState::kPublished);

  auto rows = Must(store_->SettledBetween(kT0, kT0 + hours(24)));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].delivery.channel, "portal");
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[0].settled_at, kT0 + seconds(2));
  EXPECT_EQ(rows[0].title, "Sở Tư pháp đẩy mạnh cơ chế một cửa");
  EXPECT_EQ(rows[0].form, "news");
  EXPECT_EQ(rows[0].unit, "Văn phòng Sở");
  EXPECT_EQ(rows[0].topics, (std::vector<std::string>{"mot-cua", "kiem-soat-tthc"}));
  EXPECT_EQ(rows[0].revision, 1);
  EXPECT_EQ(rows[1].delivery.channel, "cchc");
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ(rows[2].delivery.channel, "zalo");
  EXPECT_EQ(rows[2].outcome, AttemptOutcome::kUncertain);
  EXPECT_EQ(rows[3].delivery.channel, "facebook");
  EXPECT_EQ(rows[3].outcome, AttemptOutcome::kMissed);
  EXPECT_EQ(rows[3].error, missed.error);

  EXPECT_TRUE(Must(store_->SettledBetween(kT0 + hours(3), kT0 + hours(24))).empty());
  auto later = Must(store_->SettledBetween(kT0 + hours(24), kT0 + hours(72)));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].delivery.post_id, "b");

  // A correction of "a" (revision 2): the portal published revision 1 and
  // keeps its title, form, unit and topics; cchc, failed, goes out again
  // with revision 2 and reports it.
  Item corrected = MakeItem("a", {"portal", "cchc", "facebook", "zalo"}, kT0);
  corrected.title = "Sở Tư pháp đẩy mạnh cơ chế một cửa (đã sửa)";
  corrected.form = "article";
  corrected.unit = "Phòng Hành chính tư pháp";
  corrected.topics = {"cchc"};
  Upsert(corrected, kT0 + hours(3));
  Attempt(Get("a", "cchc").id, kT0 + hours(4), "published", DeliveryState::kPublished);
  rows = Must(store_->SettledBetween(kT0, kT0 + hours(24)));
  ASSERT_EQ(rows.size(), 3u);  // facebook was rescheduled too: not settled
  EXPECT_EQ(rows[0].delivery.channel, "portal");
  EXPECT_EQ(rows[0].revision, 1);
  EXPECT_EQ(rows[0].title, "Sở Tư pháp đẩy mạnh cơ chế một cửa");
  EXPECT_EQ(rows[0].form, "news");
  EXPECT_EQ(rows[0].unit, "Văn phòng Sở");
  EXPECT_EQ(rows[0].topics, (std::vector<std::string>{"mot-cua", "kiem-soat-tthc"}));
  EXPECT_EQ(rows[1].delivery.channel, "zalo");  // uncertain: kept, revision 1
  EXPECT_EQ(rows[1].revision, 1);
  EXPECT_EQ(rows[2].delivery.channel, "cchc");
  EXPECT_EQ(rows[2].revision, 2);
  EXPECT_EQ(rows[2].title, corrected.title);
  EXPECT_EQ(rows[2].form, "article");
  EXPECT_EQ(rows[2].unit, "Phòng Hành chính tư pháp");
  EXPECT_EQ(rows[2].topics, std::vector<std::string>{"cchc"});
}

TEST_F(StoreTest, IllegalFinishIsRejectedAndWritesNothing) {
  Upsert(MakeItem("x", {"portal", "cchc", "zalo"}, kT0));
  const Delivery scheduled = Get("x", "portal");
  auto sending_or = store_->BeginAttempt(Get("x", "cchc").id, kT0);
  ASSERT_TRUE(sending_or.ok());
  const Delivery sending = *sending_or;
  Attempt(Get("x", "zalo").id, kT0, "published", DeliveryState::kPublished);
  const Delivery published = Get("x", "zalo");
  const int64_t rows = CountRows("attempts");

  struct Case {
    const char* what;
    AttemptRecord rec;
  };
  std::vector<Case> cases = {
      {"retry from scheduled", Record(scheduled, kT0, "retry", DeliveryState::kScheduled)},
      {"published from scheduled", Record(scheduled, kT0, "published", DeliveryState::kPublished)},
      {"missed from sending", Record(sending, kT0, "missed", DeliveryState::kFailed)},
      {"cancelled from sending", Record(sending, kT0, "cancelled", DeliveryState::kCancelled)},
      // An outcome and a state that disagree, or an unknown outcome, can no
      // longer be written (typed outcome, state derived: see the
      // StateAfter test); a takedown's outcome on a publishing try can.
      {"retracted from sending", Retracted(sending)},
      {"anything from published", Record(published, kT0, "failed", DeliveryState::kFailed)},
      {"missed from published", Record(published, kT0, "missed", DeliveryState::kFailed)},
  };
  AttemptRecord unknown = Record(scheduled, kT0, "missed", DeliveryState::kFailed);
  unknown.delivery_id = 9999;
  cases.push_back({"unknown delivery", unknown});

  for (const Case& c : cases) {
    Status st = store_->FinishAttempt(c.rec);
    EXPECT_FALSE(st.ok()) << c.what;
  }
  EXPECT_EQ(CountRows("attempts"), rows);
  ExpectSameDelivery(Get("x", "portal"), scheduled);
  ExpectSameDelivery(Get("x", "cchc"), sending);
  ExpectSameDelivery(Get("x", "zalo"), published);

  Status st = store_->FinishAttempt(Record(published, kT0, "failed", DeliveryState::kFailed));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().find("published"), std::string::npos) << st.error();
}

TEST_F(StoreTest, EmptyRemoteKeepsTheStoredOne) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  auto begun = store_->BeginAttempt(id, kT0);
  ASSERT_TRUE(begun.ok());
  AttemptRecord lost = Record(*begun, kT0, "uncertain", DeliveryState::kUncertain);
  lost.remote_id = "77";
  ASSERT_TRUE(store_->FinishAttempt(lost).ok());
  ASSERT_TRUE(store_
                  ->Transition(id, DeliveryState::kUncertain, DeliveryState::kScheduled,
                               "operator: resend", kT0 + minutes(1))
                  .ok());
  Attempt(id, kT0 + minutes(2), "published", DeliveryState::kPublished);
  EXPECT_EQ(Get("x", "portal").remote_id, "77");
  EXPECT_EQ(Get("x", "portal").attempts, 2);
}

// ---- Transitions ----------------------------------------------------------------

TEST_F(StoreTest, AllowedTransitionsMoveTheState) {
  using S = DeliveryState;
  struct Case {
    S from;
    S to;
  };
  const Case allowed[] = {
      {S::kSending, S::kScheduled},   {S::kSending, S::kUncertain},   {S::kSending, S::kPublished},
      {S::kUncertain, S::kScheduled}, {S::kUncertain, S::kPublished}, {S::kUncertain, S::kFailed},
      {S::kScheduled, S::kCancelled}, {S::kPublished, S::kRetracted}, {S::kFailed, S::kScheduled},
  };
  int n = 0;
  for (const Case& c : allowed) {
    const std::string id = "item-" + std::to_string(n++);
    Upsert(MakeItem(id, {"portal"}, kT0));
    const int64_t did = Get(id, "portal").id;
    // Bring the delivery into `from` the way the engine would.
    switch (c.from) {
      case S::kScheduled:
        break;
      case S::kSending:
        ASSERT_TRUE(store_->BeginAttempt(did, kT0).ok());
        break;
      case S::kUncertain:
        Attempt(did, kT0, "uncertain", S::kUncertain);
        break;
      case S::kPublished:
        Attempt(did, kT0, "published", S::kPublished);
        break;
      case S::kFailed:
        Attempt(did, kT0, "retry", S::kScheduled, kT0 + minutes(1));
        Attempt(did, kT0 + minutes(1), "failed", S::kFailed);
        break;
      default:
        FAIL() << "no setup for " << StateName(c.from);
    }
    ASSERT_EQ(Get(id, "portal").state, c.from);
    const int attempts = Get(id, "portal").attempts;
    Status st = store_->Transition(did, c.from, c.to, "because", kT0 + hours(1));
    ASSERT_TRUE(st.ok()) << StateName(c.from) << " -> " << StateName(c.to) << ": " << st.error();
    Delivery d = Get(id, "portal");
    EXPECT_EQ(d.state, c.to);
    EXPECT_EQ(d.updated_at, kT0 + hours(1));
    EXPECT_EQ(d.last_error, "because");
    EXPECT_EQ(d.attempts, attempts);
    EXPECT_EQ(d.next_attempt_at, std::nullopt);
    if (c.to == S::kScheduled) {
      EXPECT_EQ(Must(store_->NextScheduled("portal"))->id, did);
      Attempt(did, kT0 + hours(2), "published", S::kPublished);
    }
  }
  EXPECT_EQ(Must(store_->InState(S::kSending)).size(), 0u);
}

TEST_F(StoreTest, TransitionToPublishedCanRecordTheRemote) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  ASSERT_TRUE(store_->BeginAttempt(id, kT0).ok());
  Status st = store_->Transition(id, DeliveryState::kSending, DeliveryState::kPublished,
                                 "found by slug after restart", kT0 + minutes(1), "991",
                                 "https://stp.example.gov.vn/x/");
  ASSERT_TRUE(st.ok()) << st.error();
  Delivery d = Get("x", "portal");
  EXPECT_EQ(d.state, DeliveryState::kPublished);
  EXPECT_EQ(d.remote_id, "991");
  EXPECT_EQ(d.remote_url, "https://stp.example.gov.vn/x/");
  ASSERT_TRUE(store_
                  ->Transition(id, DeliveryState::kPublished, DeliveryState::kRetracted,
                               "taken down", kT0 + minutes(2))
                  .ok());
  EXPECT_EQ(Get("x", "portal").remote_url, "https://stp.example.gov.vn/x/");
  // Each move has its row (deliveries.jsonl is a projection of them), where
  // the post is included.
  std::vector<AttemptRecord> rows = store_->ListAttempts(id).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(rows[0].remote_url, "https://stp.example.gov.vn/x/");
  EXPECT_EQ(rows[0].error, "found by slug after restart");
  EXPECT_EQ(rows[1].action, AttemptAction::kRetract);
  EXPECT_EQ(rows[1].outcome, AttemptOutcome::kRetracted);
  EXPECT_EQ(rows[1].new_state(), DeliveryState::kRetracted);
  // Decisions are no requests: min_interval does not count from them.
  EXPECT_EQ(Must(store_->LastAttemptStart("portal")), std::nullopt);
}

TEST_F(StoreTest, IllegalTransitionsAreRejectedAndWriteNothing) {
  using S = DeliveryState;
  Upsert(MakeItem("x", {"portal", "cchc"}, kT0));
  const int64_t scheduled = Get("x", "portal").id;
  const int64_t published = Get("x", "cchc").id;
  Attempt(published, kT0, "published", S::kPublished);
  const Delivery before_scheduled = Get("x", "portal");
  const Delivery before_published = Get("x", "cchc");

  // Not in the state machine.
  EXPECT_FALSE(store_->Transition(scheduled, S::kScheduled, S::kPublished, "", kT0).ok());
  EXPECT_FALSE(store_->Transition(scheduled, S::kScheduled, S::kSending, "", kT0).ok());
  EXPECT_FALSE(store_->Transition(published, S::kPublished, S::kScheduled, "", kT0).ok());
  EXPECT_FALSE(store_->Transition(published, S::kPublished, S::kCancelled, "", kT0).ok());
  EXPECT_FALSE(store_->Transition(scheduled, S::kCancelled, S::kScheduled, "", kT0).ok());
  EXPECT_FALSE(store_->Transition(published, S::kRetracted, S::kPublished, "", kT0).ok());
  // A remote only goes with published.
  EXPECT_FALSE(store_->Transition(scheduled, S::kScheduled, S::kCancelled, "", kT0, "1", "").ok());
  // Allowed pair, but the delivery is elsewhere: compare-and-set fails.
  Status wrong_from = store_->Transition(published, S::kScheduled, S::kCancelled, "", kT0);
  ASSERT_FALSE(wrong_from.ok());
  EXPECT_NE(wrong_from.error().find("published"), std::string::npos) << wrong_from.error();
  Status stale = store_->Transition(scheduled, S::kSending, S::kUncertain, "", kT0);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().find("it is scheduled"), std::string::npos) << stale.error();
  EXPECT_FALSE(store_->Transition(4242, S::kScheduled, S::kCancelled, "", kT0).ok());

  ExpectSameDelivery(Get("x", "portal"), before_scheduled);
  ExpectSameDelivery(Get("x", "cchc"), before_published);
}

// ---- Spacing and durability ------------------------------------------------------

TEST_F(StoreTest, AttemptsAfterListsRowsInCommitOrderWithWhatTheirLineNames) {
  Upsert(MakeItem("x", {"portal", "cchc"}, kT0));
  EXPECT_EQ(*store_->LastAttemptSeq(), 0);
  Attempt(Get("x", "cchc").id, kT0, "retry", DeliveryState::kScheduled);
  Attempt(Get("x", "portal").id, kT0 + minutes(1), "published", DeliveryState::kPublished);
  auto rows = store_->AttemptsAfter(0, 10);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].channel, "cchc");
  EXPECT_EQ((*rows)[0].post_id, "x");
  EXPECT_EQ((*rows)[0].record.outcome, AttemptOutcome::kRetry);
  EXPECT_EQ((*rows)[1].channel, "portal");
  EXPECT_LT((*rows)[0].seq, (*rows)[1].seq);
  EXPECT_EQ(*store_->LastAttemptSeq(), (*rows)[1].seq);
  auto after = store_->AttemptsAfter((*rows)[0].seq, 10);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].record.outcome, AttemptOutcome::kPublished);
  EXPECT_EQ(store_->AttemptsAfter(0, 1)->size(), 1u);
}

TEST_F(StoreTest, LastAttemptStartCountsRealTriesOfTheChannel) {
  EXPECT_EQ(Must(store_->LastAttemptStart("portal")), std::nullopt);
  Upsert(MakeItem("a", {"portal", "cchc"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0));
  Upsert(MakeItem("c", {"portal"}, kT0));

  Attempt(Get("a", "portal").id, kT0 + minutes(1), "retry", DeliveryState::kScheduled,
          kT0 + hours(1));
  Attempt(Get("b", "portal").id, kT0 + minutes(7), "published", DeliveryState::kPublished);
  Attempt(Get("a", "cchc").id, kT0 + minutes(9), "published", DeliveryState::kPublished);
  EXPECT_EQ(Must(store_->LastAttemptStart("portal")), kT0 + minutes(7));
  EXPECT_EQ(Must(store_->LastAttemptStart("cchc")), kT0 + minutes(9));

  // A missed decision later on is not a request to the platform.
  AttemptRecord missed =
      Record(Get("c", "portal"), kT0 + minutes(30), "missed", DeliveryState::kFailed);
  ASSERT_TRUE(store_->FinishAttempt(missed).ok());
  EXPECT_EQ(Must(store_->LastAttemptStart("portal")), kT0 + minutes(7));
  EXPECT_EQ(Must(store_->LastAttemptStart("zalo")), std::nullopt);
}

TEST_F(StoreTest, SendingIsOnDiskBeforeBeginAttemptReturns) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  auto begun = store_->BeginAttempt(id, kT0 + seconds(30));
  ASSERT_TRUE(begun.ok()) << begun.error();

  // Another process opening the file while the first still runs (or after
  // it died) must see the try under way.
  auto other = SqliteStore::Open(path_);
  ASSERT_TRUE(other.ok()) << other.error();
  Result<Delivery> seen = (*other)->GetDelivery(id);
  ASSERT_TRUE(seen.ok()) << seen.error();
  EXPECT_EQ(seen->state, DeliveryState::kSending);
  EXPECT_EQ(seen->attempts, 1);
  EXPECT_EQ(seen->updated_at, kT0 + seconds(30));
  EXPECT_EQ(Must((*other)->InState(DeliveryState::kSending)).size(), 1u);

  // The first instance goes away without finishing the attempt.
  store_.reset();
  other->reset();
  store_ = OpenOrDie();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->GetDelivery(id)->state, DeliveryState::kSending);
  EXPECT_EQ(Must(store_->NextScheduled("portal")), std::nullopt);
}

// ---- Auth pauses ------------------------------------------------------------------

TEST_F(StoreTest, AuthPausedTryIsRecordedButGivenBack) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  auto begun = store_->BeginAttempt(id, kT0);
  ASSERT_TRUE(begun.ok()) << begun.error();
  EXPECT_EQ(begun->attempts, 1);
  AttemptRecord paused = Record(*begun, kT0, "retry", DeliveryState::kScheduled);
  paused.error_class = ErrorClass::kAuth;
  paused.error = "token expired";
  paused.next_attempt_at = kT0 + minutes(15);
  ASSERT_TRUE(store_->FinishAttempt(paused).ok());
  Delivery d = Get("x", "portal");
  EXPECT_EQ(d.state, DeliveryState::kScheduled);
  EXPECT_EQ(d.attempts, 0) << "an auth pause is not held against max_attempts";
  EXPECT_EQ(d.next_attempt_at, kT0 + minutes(15));
  EXPECT_EQ(d.error_class, ErrorClass::kAuth);
  EXPECT_EQ(d.last_error, "token expired");

  // The probe is made again under the same number; a transient retry counts.
  Attempt(id, kT0 + minutes(15), "retry", DeliveryState::kScheduled, kT0 + minutes(16));
  EXPECT_EQ(Get("x", "portal").attempts, 1);
  Attempt(id, kT0 + minutes(16), "published", DeliveryState::kPublished);
  EXPECT_EQ(Get("x", "portal").attempts, 2);
  std::vector<AttemptRecord> rows = store_->ListAttempts(id).value();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].number, 1);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ(rows[0].error_class, ErrorClass::kAuth);
  EXPECT_EQ(rows[1].number, 1);
  EXPECT_EQ(rows[2].number, 2);
}

TEST_F(StoreTest, PendingKeepsTheTokenAndGivesTheTryBack) {
  Upsert(MakeItem("x", {"zalo"}, kT0));
  const int64_t id = Get("x", "zalo").id;
  auto begun = store_->BeginAttempt(id, kT0);
  ASSERT_TRUE(begun.ok()) << begun.error();
  AttemptRecord pending = Record(*begun, kT0, "pending", DeliveryState::kScheduled);
  pending.next_attempt_at = kT0 + seconds(3);
  pending.resume_token = "verify-1";
  ASSERT_TRUE(store_->FinishAttempt(pending).ok());
  Delivery d = Get("x", "zalo");
  EXPECT_EQ(d.state, DeliveryState::kScheduled);
  EXPECT_EQ(d.attempts, 0) << "a pending answer is not held against max_attempts";
  EXPECT_EQ(d.next_attempt_at, kT0 + seconds(3));
  EXPECT_EQ(d.resume_token, "verify-1");

  // Reopening the file finds it (the token is on disk).
  store_.reset();
  store_ = OpenOrDie();
  EXPECT_EQ(Get("x", "zalo").resume_token, "verify-1");

  // Any other answer clears it.
  Attempt(id, kT0 + seconds(3), "retry", DeliveryState::kScheduled, kT0 + minutes(1));
  EXPECT_EQ(Get("x", "zalo").resume_token, "");
  EXPECT_EQ(Get("x", "zalo").attempts, 1);
  std::vector<AttemptRecord> rows = store_->ListAttempts(id).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].outcome, AttemptOutcome::kPending);
  EXPECT_EQ(rows[0].resume_token, "") << "the token is not part of the row";
  // A poll is a request: it counts for min_interval.
  EXPECT_EQ(Must(store_->LastAttemptStart("zalo")), kT0 + seconds(3));
}

// ---- Takedowns ----------------------------------------------------------------------

TEST_F(StoreTest, RequestRetractSortsDeliveriesByWhatCanBeDone) {
  Upsert(MakeItem("x", {"portal", "cchc", "zalo", "facebook", "web2", "hooks"}, kT0));
  Attempt(Get("x", "portal").id, kT0, "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->BeginAttempt(Get("x", "zalo").id, kT0).ok());
  Attempt(Get("x", "facebook").id, kT0, "failed", DeliveryState::kFailed);
  auto begun = store_->BeginAttempt(Get("x", "web2").id, kT0);
  ASSERT_TRUE(begun.ok());
  ASSERT_TRUE(
      store_->FinishAttempt(Record(*begun, kT0, "uncertain", DeliveryState::kUncertain)).ok());
  const int64_t rows = CountRows("attempts");

  auto out = store_->RequestRetract(
      "x", {"portal", "cchc", "zalo", "facebook", "web2", "portal", "nowhere"}, kT0 + hours(1));
  ASSERT_TRUE(out.ok()) << out.error();
  ASSERT_EQ(out->marked.size(), 1u);
  EXPECT_EQ(out->marked[0].channel, "portal");
  EXPECT_EQ(out->marked[0].retract_requested_at, kT0 + hours(1));
  ASSERT_EQ(out->awaiting.size(), 2u);
  EXPECT_EQ(out->awaiting[0].channel, "zalo");
  EXPECT_EQ(out->awaiting[1].channel, "web2");
  ASSERT_EQ(out->cancelled.size(), 1u);
  EXPECT_EQ(out->cancelled[0].delivery.channel, "cchc");
  EXPECT_EQ(out->cancelled[0].delivery.state, DeliveryState::kCancelled);
  EXPECT_EQ(out->cancelled[0].record.outcome, AttemptOutcome::kCancelled);
  EXPECT_EQ(out->cancelled[0].record.ended_at, kT0 + hours(1));
  ASSERT_EQ(out->not_published.size(), 1u);
  EXPECT_EQ(out->not_published[0].channel, "facebook");
  EXPECT_EQ(out->unknown_channels, std::vector<std::string>{"nowhere"});

  // Only the cancellation wrote an attempt row; "hooks" was not named.
  EXPECT_EQ(CountRows("attempts"), rows + 1);
  EXPECT_EQ(store_->ListAttempts(Get("x", "cchc").id).value().back().outcome,
            AttemptOutcome::kCancelled);
  EXPECT_EQ(Get("x", "hooks").state, DeliveryState::kScheduled);
  EXPECT_FALSE(Get("x", "hooks").RetractPending());
  EXPECT_EQ(Get("x", "portal").state, DeliveryState::kPublished);
  EXPECT_TRUE(Get("x", "portal").RetractPending());
  EXPECT_TRUE(Get("x", "zalo").RetractPending());
  EXPECT_FALSE(Get("x", "facebook").RetractPending());

  auto unknown = store_->RequestRetract("nope", {"portal"}, kT0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("nope"), std::string::npos) << unknown.error();
}

TEST_F(StoreTest, NextRetractIsThePublishedOneDueFirst) {
  Upsert(MakeItem("a", {"portal", "cchc"}, kT0));
  Upsert(MakeItem("b", {"portal"}, kT0));
  Upsert(MakeItem("c", {"portal"}, kT0));
  Attempt(Get("a", "portal").id, kT0, "published", DeliveryState::kPublished);
  Attempt(Get("b", "portal").id, kT0, "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->BeginAttempt(Get("c", "portal").id, kT0).ok());
  EXPECT_EQ(Must(store_->NextRetract("portal")), std::nullopt);

  ASSERT_TRUE(store_->RequestRetract("c", {"portal"}, kT0 + minutes(1)).ok());
  EXPECT_EQ(Must(store_->NextRetract("portal")), std::nullopt) << "c is still being sent";
  ASSERT_TRUE(store_->RequestRetract("b", {"portal"}, kT0 + minutes(3)).ok());
  ASSERT_TRUE(store_->RequestRetract("a", {"portal", "cchc"}, kT0 + minutes(2)).ok());
  EXPECT_EQ(Must(store_->NextRetract("cchc")), std::nullopt) << "cchc of a was cancelled";
  std::optional<Delivery> next = Must(store_->NextRetract("portal"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->post_id, "a");
  EXPECT_EQ(next->RetractDue(), kT0 + minutes(2));

  // a's takedown waits for a retry: b comes first now.
  AttemptRecord retry = Record(*next, kT0 + minutes(4), "retry", DeliveryState::kPublished);
  retry.action = AttemptAction::kRetract;
  retry.number = 1;
  retry.next_attempt_at = kT0 + minutes(10);
  ASSERT_TRUE(store_->FinishAttempt(retry).ok());
  EXPECT_EQ(Must(store_->NextRetract("portal"))->post_id, "b");

  // c went out after all: its pending takedown is now due too.
  auto c = store_->GetDelivery(Get("c", "portal").id);
  AttemptRecord out = Record(*c, kT0 + minutes(1), "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->FinishAttempt(out).ok());
  EXPECT_EQ(Must(store_->NextRetract("portal"))->post_id, "c");

  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  SQLite::Statement plan(db,
                         "EXPLAIN QUERY PLAN SELECT id FROM deliveries WHERE channel = 'portal' "
                         "AND retract_requested_at IS NOT NULL AND state = 'published' "
                         "ORDER BY COALESCE(retract_next_at, retract_requested_at), id");
  std::string steps;
  while (plan.executeStep()) steps += plan.getColumn(3).getString() + "\n";
  EXPECT_NE(steps.find("deliveries_retract_per_channel"), std::string::npos) << steps;
}

TEST_F(StoreTest, TakedownTrySettlesOrKeepsTheTakedown) {
  Upsert(MakeItem("x", {"portal", "cchc"}, kT0));
  Attempt(Get("x", "portal").id, kT0, "published", DeliveryState::kPublished);
  Attempt(Get("x", "cchc").id, kT0, "published", DeliveryState::kPublished);
  Delivery portal = Get("x", "portal");
  auto takedown = [&](const Delivery& d, const std::string& outcome, DeliveryState state,
                      TimePoint at) {
    AttemptRecord rec = Record(d, at, outcome, state);
    rec.action = AttemptAction::kRetract;
    rec.number = d.retract_attempts + 1;
    return rec;
  };

  // Not pending: refused.
  EXPECT_FALSE(
      store_
          ->FinishAttempt(takedown(portal, "retracted", DeliveryState::kRetracted, kT0 + hours(1)))
          .ok());
  ASSERT_TRUE(store_->RequestRetract("x", {"portal", "cchc"}, kT0 + hours(1)).ok());
  portal = Get("x", "portal");

  // Retry: still published and pending, at the given time; it counts.
  AttemptRecord retry = takedown(portal, "retry", DeliveryState::kPublished, kT0 + hours(1));
  retry.error_class = ErrorClass::kTransient;
  retry.error = "HTTP 503";
  retry.http_status = 503;
  retry.next_attempt_at = kT0 + hours(1) + minutes(1);
  ASSERT_TRUE(store_->FinishAttempt(retry).ok());
  portal = Get("x", "portal");
  EXPECT_EQ(portal.state, DeliveryState::kPublished);
  EXPECT_TRUE(portal.RetractPending());
  EXPECT_EQ(portal.RetractDue(), kT0 + hours(1) + minutes(1));
  EXPECT_EQ(portal.retract_attempts, 1);
  EXPECT_EQ(portal.last_error, "HTTP 503");

  // An auth pause is given back like a publishing try.
  AttemptRecord auth = takedown(portal, "retry", DeliveryState::kPublished, kT0 + hours(2));
  auth.error_class = ErrorClass::kAuth;
  auth.next_attempt_at = kT0 + hours(3);
  ASSERT_TRUE(store_->FinishAttempt(auth).ok());
  portal = Get("x", "portal");
  EXPECT_EQ(portal.retract_attempts, 1);

  // Retracted: the state moves and the request is settled; remote kept.
  ASSERT_TRUE(
      store_
          ->FinishAttempt(takedown(portal, "retracted", DeliveryState::kRetracted, kT0 + hours(3)))
          .ok());
  portal = Get("x", "portal");
  EXPECT_EQ(portal.state, DeliveryState::kRetracted);
  EXPECT_FALSE(portal.RetractPending());
  EXPECT_EQ(portal.retract_next_at, std::nullopt);
  EXPECT_EQ(portal.retract_attempts, 2);
  EXPECT_EQ(portal.last_error, "");
  std::vector<AttemptRecord> rows = store_->ListAttempts(portal.id).value();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].action, AttemptAction::kPublish);
  EXPECT_EQ(rows[1].action, AttemptAction::kRetract);
  EXPECT_EQ(rows[1].new_state(), DeliveryState::kPublished);
  EXPECT_EQ(rows[1].http_status, 503);
  EXPECT_EQ(rows[2].number, 2);
  EXPECT_EQ(rows[3].number, 2);
  EXPECT_EQ(rows[3].outcome, AttemptOutcome::kRetracted);
  EXPECT_EQ(rows[3].new_state(), DeliveryState::kRetracted);
  EXPECT_FALSE(
      store_
          ->FinishAttempt(takedown(portal, "retracted", DeliveryState::kRetracted, kT0 + hours(4)))
          .ok())
      << "a retracted delivery has nothing left to take down";

  // Failed: stays published, the request settled, the error kept.
  Delivery cchc = Get("x", "cchc");
  AttemptRecord failed = takedown(cchc, "failed", DeliveryState::kPublished, kT0 + hours(1));
  failed.error_class = ErrorClass::kPermanent;
  failed.error = "cannot take posts down";
  ASSERT_TRUE(store_->FinishAttempt(failed).ok());
  cchc = Get("x", "cchc");
  EXPECT_EQ(cchc.state, DeliveryState::kPublished);
  EXPECT_FALSE(cchc.RetractPending());
  EXPECT_EQ(cchc.last_error, "cannot take posts down");
  EXPECT_EQ(cchc.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(Must(store_->NextRetract("cchc")), std::nullopt);
}

TEST_F(StoreTest, IllegalTakedownRecordsAreRejectedAndWriteNothing) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  Attempt(Get("x", "portal").id, kT0, "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->RequestRetract("x", {"portal"}, kT0).ok());
  const Delivery d = Get("x", "portal");
  const int64_t rows = CountRows("attempts");
  auto rec = [&](const std::string& outcome, DeliveryState state) {
    AttemptRecord r = Record(d, kT0, outcome, state);
    r.action = AttemptAction::kRetract;
    r.number = 1;
    return r;
  };
  AttemptRecord no_time = rec("retry", DeliveryState::kPublished);
  AttemptRecord as_publish = rec("retracted", DeliveryState::kRetracted);
  as_publish.action = AttemptAction::kPublish;
  AttemptRecord pending = rec("pending", DeliveryState::kScheduled);
  pending.next_attempt_at = kT0 + hours(1);
  // A takedown ends retracted, retry or failed; a publishing try never
  // ends retracted.
  for (const AttemptRecord& r :
       {rec("published", DeliveryState::kPublished), rec("uncertain", DeliveryState::kUncertain),
        rec("missed", DeliveryState::kFailed), pending, no_time, as_publish}) {
    EXPECT_FALSE(store_->FinishAttempt(r).ok()) << AttemptOutcomeName(r.outcome);
  }
  EXPECT_EQ(CountRows("attempts"), rows);
  ExpectSameDelivery(Get("x", "portal"), d);
}

TEST_F(StoreTest, ANewVersionAfterARetractStartsAfresh) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  const int64_t id = Get("x", "portal").id;
  auto begun = store_->BeginAttempt(id, kT0);
  ASSERT_TRUE(begun.ok());
  ASSERT_TRUE(
      store_->FinishAttempt(Record(*begun, kT0, "uncertain", DeliveryState::kUncertain)).ok());
  ASSERT_TRUE(store_->RequestRetract("x", {"portal"}, kT0).ok());
  ASSERT_TRUE(Get("x", "portal").RetractPending());
  // The operator sends it again, then the editor drops a new version.
  ASSERT_TRUE(store_
                  ->Transition(id, DeliveryState::kUncertain, DeliveryState::kScheduled,
                               "operator: resend", kT0)
                  .ok());
  EXPECT_TRUE(Get("x", "portal").RetractPending()) << "a resend alone keeps the retract";
  Upsert(MakeItem("x", {"portal"}, kT0 + hours(1)), kT0 + minutes(1));
  Delivery d = Get("x", "portal");
  EXPECT_EQ(d.state, DeliveryState::kScheduled);
  EXPECT_FALSE(d.RetractPending());
  EXPECT_EQ(d.due_at, kT0 + hours(1));
}

TEST_F(StoreTest, TakenDownByHandSettlesThePendingTakedown) {
  Upsert(MakeItem("x", {"portal"}, kT0));
  Attempt(Get("x", "portal").id, kT0, "published", DeliveryState::kPublished);
  ASSERT_TRUE(store_->RequestRetract("x", {"portal"}, kT0).ok());
  ASSERT_TRUE(store_
                  ->Transition(Get("x", "portal").id, DeliveryState::kPublished,
                               DeliveryState::kRetracted, "operator: removed by hand", kT0)
                  .ok());
  EXPECT_FALSE(Get("x", "portal").RetractPending());
  EXPECT_EQ(Must(store_->NextRetract("portal")), std::nullopt);
}

}  // namespace
}  // namespace loa
