#include "queue/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <exception>
#include <set>
#include <utility>

#include "base/fs.h"
#include "base/log.h"

namespace loa {

namespace {

// How long a statement waits for another connection's write lock (an
// operator's sqlite3 shell, the token store's connection) before giving up
// with SQLITE_BUSY. The engine calls the store on its one event-loop thread,
// where every millisecond spent waiting delays signals, timers and the inbox:
// a refused write is kept by the engine and tried again on a timer
// (queue/engine.cc), so waiting long here buys nothing.
constexpr int kBusyTimeoutMs = 100;
// Opening runs before the event loop, and a migration may wait for a reader
// to finish: it may wait longer.
constexpr int kOpenBusyTimeoutMs = 5000;

// ---- Schema ---------------------------------------------------------------

// Migration i (1-based) brings the schema from version i-1 to version i. Steps
// are only ever appended: a released step never changes, so every database
// reaches the same schema whatever version it started from.
struct Migration {
  const char* what;
  void (*apply)(SQLite::Database& db);
};

void CreateInitialSchema(SQLite::Database& db) {
  db.exec(R"sql(
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
    -- "What does this channel send next?" is answered from the index alone.
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
  )sql");
}

// Version 2: takedowns (retract), auth pauses and the OAuth token table.
// SQLite cannot change a CHECK constraint in place, so `attempts` is rebuilt
// (create, copy, drop, rename, index) inside the migration's transaction:
// nothing references it, so foreign keys stay satisfied throughout.
void AddRetractAuthAndTokens(SQLite::Database& db) {
  db.exec(R"sql(
    ALTER TABLE deliveries ADD COLUMN retract_requested_at INTEGER;
    ALTER TABLE deliveries ADD COLUMN retract_attempts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN retract_next_at INTEGER;
    -- "Which takedown does this channel do next?" from a small index.
    CREATE INDEX deliveries_retract_per_channel
      ON deliveries (channel, COALESCE(retract_next_at, retract_requested_at), id)
      WHERE retract_requested_at IS NOT NULL;

    CREATE TABLE attempts_v2 (
      id          INTEGER PRIMARY KEY,
      delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
      action      TEXT NOT NULL DEFAULT 'publish' CHECK (action IN ('publish', 'retract')),
      number      INTEGER NOT NULL,
      started_at  INTEGER NOT NULL,
      ended_at    INTEGER NOT NULL,
      outcome     TEXT NOT NULL CHECK (outcome IN ('published', 'retry', 'failed',
                      'uncertain', 'missed', 'cancelled', 'retracted')),
      http_status INTEGER,
      error_class TEXT,
      latency_ms  INTEGER NOT NULL DEFAULT 0,
      error       TEXT
    );
    INSERT INTO attempts_v2 (id, delivery_id, action, number, started_at, ended_at, outcome,
                             http_status, error_class, latency_ms, error)
      SELECT id, delivery_id, 'publish', number, started_at, ended_at, outcome,
             http_status, error_class, latency_ms, error
      FROM attempts;
    DROP TABLE attempts;
    ALTER TABLE attempts_v2 RENAME TO attempts;
    CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);

    CREATE TABLE oauth_tokens (
      channel           TEXT PRIMARY KEY,
      access_token      TEXT NOT NULL,
      refresh_token     TEXT NOT NULL,
      access_expires_at INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL
    );
  )sql");
}

// Version 3: an attempt row holds everything its deliveries.jsonl line says
// (where the post is), so the log can be rebuilt from the rows alone
// (DeliveryLog::CatchUp). Older rows keep NULL there.
void AddAttemptRemote(SQLite::Database& db) {
  db.exec(R"sql(
    ALTER TABLE attempts ADD COLUMN remote_id TEXT;
    ALTER TABLE attempts ADD COLUMN remote_url TEXT;
  )sql");
}

const Migration kMigrations[] = {
    {"posts, deliveries and attempts", CreateInitialSchema},
    {"retract, auth pauses and OAuth tokens", AddRetractAuthAndTokens},
    {"where the post is, in each attempt row", AddAttemptRemote},
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion,
              "every schema version needs exactly one migration step");

int UserVersion(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

Status Migrate(SQLite::Database& db, const std::string& where) {
  const int found = UserVersion(db);
  if (found > Store::kSchemaVersion) {
    return Error{where + " was created by a newer loa (schema version " + std::to_string(found) +
                 ", this loa knows up to " + std::to_string(Store::kSchemaVersion) +
                 "); upgrade loa or restore the database from before the upgrade"};
  }
  for (int target = found + 1; target <= Store::kSchemaVersion; ++target) {
    const Migration& step = kMigrations[target - 1];
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    // Another process may have migrated while we waited for the lock.
    if (UserVersion(db) >= target) continue;
    try {
      step.apply(db);
      db.exec("PRAGMA user_version = " + std::to_string(target));
    } catch (const std::exception& e) {
      return Error{"cannot migrate " + where + " to schema version " + std::to_string(target) +
                   " (" + step.what + "): " + e.what()};
    }
    tx.commit();
  }
  return Ok{};
}

// ---- Row mapping ----------------------------------------------------------

// Optional text columns hold NULL rather than "" so that reports can ask
// `IS NULL`; the model uses "" for "none".
void BindText(SQLite::Statement& st, int index, const std::string& text) {
  if (text.empty()) {
    st.bind(index);
  } else {
    st.bind(index, text);
  }
}

void BindOptionalTime(SQLite::Statement& st, int index, const std::optional<TimePoint>& t) {
  if (t) {
    st.bind(index, static_cast<int64_t>(ToUnixMillis(*t)));
  } else {
    st.bind(index);
  }
}

void BindTime(SQLite::Statement& st, int index, TimePoint t) {
  st.bind(index, static_cast<int64_t>(ToUnixMillis(t)));
}

std::string TextOrEmpty(const SQLite::Column& c) { return c.isNull() ? "" : c.getString(); }

constexpr const char* kDeliveryColumns =
    "id, post_id, channel, state, due_at, attempts, next_attempt_at, remote_id, remote_url, "
    "last_error, error_class, updated_at, retract_requested_at, retract_attempts, retract_next_at";

std::optional<TimePoint> OptionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return FromUnixMillis(c.getInt64());
}

Delivery ReadDelivery(SQLite::Statement& st) {
  Delivery d;
  d.id = st.getColumn(0).getInt64();
  d.post_id = st.getColumn(1).getString();
  d.channel = st.getColumn(2).getString();
  const std::string state = st.getColumn(3).getString();
  // The CHECK constraint keeps unknown names out of the table.
  d.state = ParseState(state).value_or(DeliveryState::kFailed);
  d.due_at = FromUnixMillis(st.getColumn(4).getInt64());
  d.attempts = st.getColumn(5).getInt();
  d.next_attempt_at = OptionalTime(st.getColumn(6));
  d.remote_id = TextOrEmpty(st.getColumn(7));
  d.remote_url = TextOrEmpty(st.getColumn(8));
  d.last_error = TextOrEmpty(st.getColumn(9));
  d.error_class = TextOrEmpty(st.getColumn(10));
  d.updated_at = FromUnixMillis(st.getColumn(11).getInt64());
  d.retract_requested_at = OptionalTime(st.getColumn(12));
  d.retract_attempts = st.getColumn(13).getInt();
  d.retract_next_at = OptionalTime(st.getColumn(14));
  return d;
}

std::vector<Delivery> QueryDeliveries(SQLite::Database& db, const std::string& where_and_order,
                                      const std::vector<std::string>& params) {
  SQLite::Statement st(
      db, std::string("SELECT ") + kDeliveryColumns + " FROM deliveries " + where_and_order);
  for (size_t i = 0; i < params.size(); ++i) st.bind(static_cast<int>(i + 1), params[i]);
  std::vector<Delivery> out;
  while (st.executeStep()) out.push_back(ReadDelivery(st));
  return out;
}

std::optional<Delivery> LoadDelivery(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db,
                       std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return ReadDelivery(st);
}

// The columns ReadAttempt expects, from `attempts a`.
constexpr const char* kAttemptColumns =
    "a.delivery_id, a.number, a.started_at, a.ended_at, a.outcome, a.http_status, "
    "a.error_class, a.latency_ms, a.error, a.action, a.remote_id, a.remote_url";
constexpr int kAttemptColumnCount = 12;

DeliveryState AttemptOutcomeState(AttemptAction action, const std::string& outcome);

AttemptRecord ReadAttempt(SQLite::Statement& st) {
  AttemptRecord a;
  a.delivery_id = st.getColumn(0).getInt64();
  a.number = st.getColumn(1).getInt();
  a.started_at = FromUnixMillis(st.getColumn(2).getInt64());
  a.ended_at = FromUnixMillis(st.getColumn(3).getInt64());
  a.outcome = st.getColumn(4).getString();
  a.http_status = st.getColumn(5).isNull() ? 0 : st.getColumn(5).getInt();
  a.error_class = TextOrEmpty(st.getColumn(6));
  a.latency_ms = st.getColumn(7).getInt64();
  a.error = TextOrEmpty(st.getColumn(8));
  // The CHECK constraint keeps other names out of the table.
  a.action = ParseAttemptAction(st.getColumn(9).getString()).value_or(AttemptAction::kPublish);
  a.remote_id = TextOrEmpty(st.getColumn(10));
  a.remote_url = TextOrEmpty(st.getColumn(11));
  // The state each attempt led to is not stored: it follows from the
  // outcome, and the delivery row holds only the latest one.
  a.new_state = AttemptOutcomeState(a.action, a.outcome);
  return a;
}

std::string DeliveryLabel(const Delivery& d) {
  return "delivery " + std::to_string(d.id) + " (" + d.post_id + " on " + d.channel + ")";
}

// ---- State machine --------------------------------------------------------

// Moves allowed without an attempt row: reconciliation after a restart and
// operator decisions.
bool IsAllowedTransition(DeliveryState from, DeliveryState to) {
  using S = DeliveryState;
  static constexpr std::pair<S, S> kAllowed[] = {
      {S::kSending, S::kScheduled},    // reconciled: not out, safe to send again
      {S::kSending, S::kUncertain},    // reconciled: cannot tell
      {S::kSending, S::kPublished},    // reconciled: found on the channel
      {S::kUncertain, S::kScheduled},  // operator: send it again
      {S::kUncertain, S::kPublished},  // operator: it did go out
      {S::kUncertain, S::kFailed},     // operator: give it up
      {S::kScheduled, S::kCancelled},  // withdrawn before it went out
      {S::kPublished, S::kRetracted},  // taken down
      {S::kFailed, S::kScheduled},     // operator: try again
  };
  return std::find(std::begin(kAllowed), std::end(kAllowed), std::pair{from, to}) !=
         std::end(kAllowed);
}

// The state an attempt outcome leads to, and the state it must start from.
struct OutcomeRule {
  const char* outcome;
  DeliveryState from;
  DeliveryState to;
};
constexpr OutcomeRule kOutcomeRules[] = {
    {"published", DeliveryState::kSending, DeliveryState::kPublished},
    {"retry", DeliveryState::kSending, DeliveryState::kScheduled},
    {"failed", DeliveryState::kSending, DeliveryState::kFailed},
    {"uncertain", DeliveryState::kSending, DeliveryState::kUncertain},
    // Decisions taken without a try: the delivery never left `scheduled`.
    {"missed", DeliveryState::kScheduled, DeliveryState::kFailed},
    {"cancelled", DeliveryState::kScheduled, DeliveryState::kCancelled},
};

// A takedown try leaves the delivery published unless it took the post down.
DeliveryState RetractOutcomeState(const std::string& outcome) {
  return outcome == "retracted" ? DeliveryState::kRetracted : DeliveryState::kPublished;
}

// A try the engine put back because the channel's credentials failed (an
// auth pause). "auth" is ErrorClassName(ErrorClass::kAuth): the store does
// not depend on connectors.
bool IsAuthWait(const AttemptRecord& record) {
  return record.outcome == "retry" && record.error_class == "auth";
}

const OutcomeRule* FindOutcomeRule(const std::string& outcome) {
  for (const OutcomeRule& rule : kOutcomeRules) {
    if (outcome == rule.outcome) return &rule;
  }
  return nullptr;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

DeliveryState AttemptOutcomeState(AttemptAction action, const std::string& outcome) {
  if (action == AttemptAction::kRetract) return RetractOutcomeState(outcome);
  const OutcomeRule* rule = FindOutcomeRule(outcome);
  return rule ? rule->to : DeliveryState::kFailed;
}

void InsertAttemptRow(SQLite::Database& db, const AttemptRecord& record) {
  SQLite::Statement row(db,
                        "INSERT INTO attempts (delivery_id, action, number, started_at, ended_at, "
                        "outcome, http_status, error_class, latency_ms, error, remote_id, "
                        "remote_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  row.bind(1, record.delivery_id);
  row.bind(2, AttemptActionName(record.action));
  row.bind(3, record.number);
  BindTime(row, 4, record.started_at);
  BindTime(row, 5, record.ended_at);
  row.bind(6, record.outcome);
  if (record.http_status != 0) {
    row.bind(7, record.http_status);
  } else {
    row.bind(7);
  }
  BindText(row, 8, record.error_class);
  row.bind(9, record.latency_ms);
  BindText(row, 10, record.error);
  BindText(row, 11, record.remote_id);
  BindText(row, 12, record.remote_url);
  row.exec();
}

// Cancels a scheduled delivery, with the attempt row that records why (so
// deliveries.jsonl, a projection of the rows, has its line), in the caller's
// transaction.
AttemptRecord CancelScheduled(SQLite::Database& db, const Delivery& d, TimePoint now,
                              const std::string& reason) {
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.number = d.attempts;
  rec.started_at = now;
  rec.ended_at = now;
  rec.outcome = "cancelled";
  rec.new_state = DeliveryState::kCancelled;
  rec.error = reason;
  InsertAttemptRow(db, rec);
  SQLite::Statement cancel(db,
                           "UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, "
                           "last_error = ?, error_class = NULL, retract_requested_at = NULL, "
                           "retract_next_at = NULL, updated_at = ? WHERE id = ?");
  cancel.bind(1, rec.error);
  BindTime(cancel, 2, now);
  cancel.bind(3, d.id);
  cancel.exec();
  return rec;
}

}  // namespace

// ---- Opening ----------------------------------------------------------------

Store::Store(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& path) {
  const std::string where = "the queue database " + path.string();
  if (path.has_parent_path()) {
    if (Status made = EnsureDir(path.parent_path()); !made.ok()) {
      return Error{"cannot create the folder of " + where + ": " + made.error()};
    }
  }
  try {
    auto db = std::make_unique<SQLite::Database>(
        path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kOpenBusyTimeoutMs);
    // Readers (reports, `loa` subcommands) never block the daemon's writes.
    const std::string mode = db->execAndGet("PRAGMA journal_mode = WAL").getString();
    if (mode != "wal") {
      return Error{"cannot use write-ahead logging for " + where + " (journal mode stays " +
                   Quoted(mode) + "); keep the state folder on a local file system"};
    }
    // A committed state change survives a power cut: `sending` must be on
    // disk before the request leaves.
    db->exec("PRAGMA synchronous = FULL");
    db->exec("PRAGMA foreign_keys = ON");
    if (Status migrated = Migrate(*db, where); !migrated.ok()) return Error{migrated.error()};
    db->setBusyTimeout(kBusyTimeoutMs);
    return std::unique_ptr<Store>(new Store(std::move(db)));
  } catch (const std::exception& e) {
    return Error{"cannot open " + where + ": " + e.what()};
  }
}

int Store::SchemaVersion() {
  try {
    return UserVersion(*db_);
  } catch (const std::exception& e) {
    LogError(std::string("queue database: cannot read the schema version: ") + e.what());
    return -1;
  }
}

Result<std::string> Store::Pragma(const std::string& name) {
  const bool identifier = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
  if (!identifier) return Error{"not a pragma name: " + Quoted(name)};
  try {
    SQLite::Statement st(*db_, "PRAGMA " + name);
    if (!st.executeStep()) return Error{"pragma " + name + " has no value"};
    return TextOrEmpty(st.getColumn(0));
  } catch (const std::exception& e) {
    return Error{"cannot read pragma " + name + ": " + e.what()};
  }
}

// ---- Posts ------------------------------------------------------------------

Result<UpsertOutcome> Store::UpsertPost(const Item& item, TimePoint now) {
  const std::string label = "item " + item.id;
  try {
    const std::string item_json = ItemToJson(item).dump();
    const std::string topics_json = nlohmann::json(item.topics).dump();
    const int64_t now_ms = ToUnixMillis(now);
    UpsertOutcome out;

    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement known(*db_, "SELECT item_json FROM posts WHERE id = ?");
      known.bind(1, item.id);
      out.existed = known.executeStep();
      // Taking the same item again must not touch its deliveries: resetting
      // one that waits for a lost create to land would send it too early.
      if (out.existed && known.getColumn(0).getString() == item_json) {
        out.unchanged = true;
        return out;
      }
    }
    SQLite::Statement post(*db_, out.existed
                                     ? "UPDATE posts SET item_json = ?2, title = ?3, form = ?4, "
                                       "unit = ?5, topics_json = ?6, action = ?7, updated_at = ?8, "
                                       "revision = revision + 1 WHERE id = ?1"
                                     : "INSERT INTO posts (id, item_json, title, form, unit, "
                                       "topics_json, action, created_at, updated_at, revision) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 1)");
    post.bind(1, item.id);
    post.bind(2, item_json);
    post.bind(3, item.title);
    BindText(post, 4, item.form.value_or(""));
    BindText(post, 5, item.unit.value_or(""));
    post.bind(6, topics_json);
    post.bind(7, item.action);
    post.bind(8, now_ms);
    post.exec();

    std::map<std::string, Delivery> old;
    for (Delivery& d : QueryDeliveries(*db_, "WHERE post_id = ? ORDER BY id", {item.id})) {
      old.emplace(d.channel, std::move(d));
    }

    std::set<std::string> named;
    for (const std::string& channel : item.channels) {
      if (!named.insert(channel).second) continue;  // named twice: one delivery
      auto it = old.find(channel);
      if (it == old.end()) {
        SQLite::Statement insert(*db_,
                                 "INSERT INTO deliveries (post_id, channel, state, due_at, "
                                 "attempts, updated_at) VALUES (?, ?, 'scheduled', ?, 0, ?)");
        insert.bind(1, item.id);
        insert.bind(2, channel);
        BindTime(insert, 3, item.DueAt(channel));
        insert.bind(4, now_ms);
        insert.exec();
        out.scheduled.push_back(channel);
        continue;
      }
      const Delivery& d = it->second;
      switch (d.state) {
        case DeliveryState::kScheduled:
        case DeliveryState::kFailed:
        case DeliveryState::kCancelled: {
          // Not out yet: the new version replaces it and starts afresh. It
          // is the editor's latest word, so an older retract no longer holds.
          // A wait for a retry is kept when it ends after the new due time:
          // after a lost create it is the time before which that create may
          // still land (connectors/connector.h, Reconciliation::not_before),
          // and sending earlier could publish twice.
          SQLite::Statement reset(
              *db_,
              "UPDATE deliveries SET state = 'scheduled', due_at = ?1, attempts = 0, "
              "next_attempt_at = CASE WHEN next_attempt_at > ?1 THEN next_attempt_at END, "
              "last_error = NULL, error_class = NULL, retract_requested_at = NULL, "
              "retract_attempts = 0, retract_next_at = NULL, updated_at = ?2 WHERE id = ?3");
          BindTime(reset, 1, item.DueAt(channel));
          reset.bind(2, now_ms);
          reset.bind(3, d.id);
          reset.exec();
          out.scheduled.push_back(channel);
          break;
        }
        case DeliveryState::kSending:
        case DeliveryState::kPublished:
        case DeliveryState::kUncertain:
        case DeliveryState::kRetracted:
          // Out (or maybe out): replacing it would publish twice.
          out.kept.push_back(channel);
          break;
      }
    }
    for (const auto& [channel, d] : old) {
      if (named.count(channel) || d.state != DeliveryState::kScheduled) continue;
      CancelScheduled(*db_, d, now,
                      "the replacing version of the item no longer names this channel");
      out.cancelled.push_back(channel);
    }
    tx.commit();
    return out;
  } catch (const std::exception& e) {
    return Error{"cannot store " + label + ": " + e.what()};
  }
}

Result<Item> Store::GetPost(const std::string& id) {
  std::string text;
  try {
    SQLite::Statement st(*db_, "SELECT item_json FROM posts WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return Error{"no item with id " + Quoted(id) + " in the queue"};
    text = st.getColumn(0).getString();
  } catch (const std::exception& e) {
    return Error{"cannot read item " + Quoted(id) + " from the queue: " + e.what()};
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{"item " + Quoted(id) + " is stored as invalid JSON"};
  const std::string unreadable =
      "item " + Quoted(id) + " is stored in a form this loa cannot read: ";
  // The engine's thread must not die on one odd row, whatever the reader throws.
  try {
    Result<Item> item = ItemFromJson(j);
    if (!item.ok()) return Error{unreadable + item.error()};
    return item;
  } catch (const std::exception& e) {
    return Error{unreadable + e.what()};
  }
}

// ---- Deliveries ---------------------------------------------------------------

std::optional<Delivery> Store::GetDelivery(int64_t id) {
  try {
    return LoadDelivery(*db_, id);
  } catch (const std::exception& e) {
    LogError("queue database: cannot read delivery " + std::to_string(id) + ": " + e.what());
    return std::nullopt;
  }
}

std::vector<Delivery> Store::ListDeliveries(const std::string& post_id) {
  try {
    if (post_id.empty()) return QueryDeliveries(*db_, "ORDER BY id", {});
    return QueryDeliveries(*db_, "WHERE post_id = ? ORDER BY id", {post_id});
  } catch (const std::exception& e) {
    LogError("queue database: cannot list deliveries: " + std::string(e.what()));
    return {};
  }
}

Result<std::vector<Delivery>> Store::InState(DeliveryState state) {
  try {
    return QueryDeliveries(*db_, "WHERE state = ? ORDER BY id", {StateName(state)});
  } catch (const std::exception& e) {
    return Error{std::string("cannot list ") + StateName(state) + " deliveries: " + e.what()};
  }
}

Result<std::optional<Delivery>> Store::NextScheduled(const std::string& channel) {
  try {
    std::vector<Delivery> next =
        QueryDeliveries(*db_,
                        "WHERE channel = ? AND state = 'scheduled' "
                        "ORDER BY COALESCE(next_attempt_at, due_at), id LIMIT 1",
                        {channel});
    if (next.empty()) return std::optional<Delivery>();
    return std::optional<Delivery>(std::move(next.front()));
  } catch (const std::exception& e) {
    return Error{"cannot find the next delivery of " + channel + ": " + e.what()};
  }
}

Result<std::optional<TimePoint>> Store::LastAttemptStart(const std::string& channel) {
  try {
    // Missed and cancelled rows record decisions, not requests: they do not
    // count against the channel's min_interval.
    SQLite::Statement st(*db_,
                         "SELECT MAX(a.started_at) FROM attempts a "
                         "JOIN deliveries d ON d.id = a.delivery_id "
                         "WHERE d.channel = ? AND a.outcome NOT IN ('missed', 'cancelled')");
    st.bind(1, channel);
    if (!st.executeStep() || st.getColumn(0).isNull()) return std::optional<TimePoint>();
    return std::optional<TimePoint>(FromUnixMillis(st.getColumn(0).getInt64()));
  } catch (const std::exception& e) {
    return Error{"cannot read the last attempt on " + channel + ": " + e.what()};
  }
}

std::vector<AttemptRecord> Store::ListAttempts(int64_t delivery_id) {
  std::vector<AttemptRecord> out;
  try {
    SQLite::Statement st(*db_, std::string("SELECT ") + kAttemptColumns +
                                   " FROM attempts a WHERE a.delivery_id = ? ORDER BY a.id");
    st.bind(1, delivery_id);
    while (st.executeStep()) out.push_back(ReadAttempt(st));
  } catch (const std::exception& e) {
    LogError("queue database: cannot list the attempts of delivery " + std::to_string(delivery_id) +
             ": " + e.what());
    out.clear();
  }
  return out;
}

Result<std::vector<AttemptRow>> Store::AttemptsAfter(int64_t after_seq, int limit) {
  try {
    SQLite::Statement st(*db_, std::string("SELECT ") + kAttemptColumns +
                                   ", a.id, d.post_id, d.channel FROM attempts a "
                                   "JOIN deliveries d ON d.id = a.delivery_id "
                                   "WHERE a.id > ? ORDER BY a.id LIMIT ?");
    st.bind(1, after_seq);
    st.bind(2, limit);
    std::vector<AttemptRow> out;
    while (st.executeStep()) {
      AttemptRow row;
      row.record = ReadAttempt(st);
      row.seq = st.getColumn(kAttemptColumnCount).getInt64();
      row.post_id = st.getColumn(kAttemptColumnCount + 1).getString();
      row.channel = st.getColumn(kAttemptColumnCount + 2).getString();
      out.push_back(std::move(row));
    }
    return out;
  } catch (const std::exception& e) {
    return Error{"cannot read the attempts after " + std::to_string(after_seq) + ": " + e.what()};
  }
}

Result<int64_t> Store::LastAttemptSeq() {
  try {
    return db_->execAndGet("SELECT COALESCE(MAX(id), 0) FROM attempts").getInt64();
  } catch (const std::exception& e) {
    return Error{std::string("cannot read the last attempt: ") + e.what()};
  }
}

Result<bool> Store::StillRecordable(const AttemptRecord& record) {
  try {
    std::optional<Delivery> d = LoadDelivery(*db_, record.delivery_id);
    if (!d) return false;
    if (record.action == AttemptAction::kRetract) {
      return d->state == DeliveryState::kPublished && d->RetractPending();
    }
    const OutcomeRule* rule = FindOutcomeRule(record.outcome);
    return rule && d->state == rule->from;
  } catch (const std::exception& e) {
    return Error{"cannot read delivery " + std::to_string(record.delivery_id) + ": " + e.what()};
  }
}

Status Store::ExecForTest(const std::string& sql) {
  try {
    db_->exec(sql);
    return Ok{};
  } catch (const std::exception& e) {
    return Error{e.what()};
  }
}

// ---- State changes --------------------------------------------------------------

Result<Delivery> Store::BeginAttempt(int64_t delivery_id, TimePoint now) {
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::optional<Delivery> d = LoadDelivery(*db_, delivery_id);
    if (!d) return Error{"no delivery " + std::to_string(delivery_id) + " in the queue"};
    if (d->state != DeliveryState::kScheduled) {
      return Error{"cannot start " + DeliveryLabel(*d) + ": it is " + StateName(d->state) +
                   ", not scheduled"};
    }
    SQLite::Statement st(*db_,
                         "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
                         "updated_at = ? WHERE id = ? AND state = 'scheduled'");
    BindTime(st, 1, now);
    st.bind(2, delivery_id);
    st.exec();
    std::optional<Delivery> begun = LoadDelivery(*db_, delivery_id);
    tx.commit();
    return std::move(*begun);
  } catch (const std::exception& e) {
    return Error{"cannot start delivery " + std::to_string(delivery_id) + ": " + e.what()};
  }
}

Status Store::FinishAttempt(const AttemptRecord& record) {
  const std::string attempt = "attempt " + std::to_string(record.number);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::optional<Delivery> d = LoadDelivery(*db_, record.delivery_id);
    if (!d) {
      return Error{"cannot record " + attempt + ": no delivery " +
                   std::to_string(record.delivery_id) + " in the queue"};
    }
    const std::string what = "cannot record " + attempt + " of " + DeliveryLabel(*d);
    if (record.action != AttemptAction::kPublish) {
      return Error{what + ": a takedown try is recorded with FinishRetract"};
    }
    const OutcomeRule* rule = FindOutcomeRule(record.outcome);
    if (!rule) return Error{what + ": unknown outcome " + Quoted(record.outcome)};
    if (record.new_state != rule->to) {
      return Error{what + ": outcome " + record.outcome + " leads to " + StateName(rule->to) +
                   ", not " + StateName(record.new_state)};
    }
    if (d->state != rule->from) {
      return Error{what + ": it is " + StateName(d->state) + ", and outcome " + record.outcome +
                   " is only recorded for a delivery that is " + StateName(rule->from)};
    }

    InsertAttemptRow(*db_, record);

    // A try that ended in an auth pause is the channel's failure, not this
    // delivery's: its row stays, but it is given back.
    SQLite::Statement update(*db_,
                             "UPDATE deliveries SET state = ?, next_attempt_at = ?, "
                             "remote_id = COALESCE(?, remote_id), "
                             "remote_url = COALESCE(?, remote_url), last_error = ?, "
                             "error_class = ?, updated_at = ?, attempts = attempts - ? "
                             "WHERE id = ? AND state = ?");
    update.bind(1, StateName(record.new_state));
    BindOptionalTime(
        update, 2,
        record.new_state == DeliveryState::kScheduled ? record.next_attempt_at : std::nullopt);
    BindText(update, 3, record.remote_id);
    BindText(update, 4, record.remote_url);
    BindText(update, 5, record.error);
    BindText(update, 6, record.error_class);
    BindTime(update, 7, record.ended_at);
    update.bind(8, IsAuthWait(record) ? 1 : 0);
    update.bind(9, record.delivery_id);
    update.bind(10, StateName(d->state));
    update.exec();
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    return Error{"cannot record " + attempt + " of delivery " + std::to_string(record.delivery_id) +
                 ": " + e.what()};
  }
}

// ---- Takedowns ------------------------------------------------------------------

Result<RetractOutcome> Store::RequestRetract(const std::string& post_id,
                                             const std::vector<std::string>& channels,
                                             TimePoint now) {
  const std::string what = "cannot retract item " + Quoted(post_id);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement known(*db_, "SELECT 1 FROM posts WHERE id = ?");
    known.bind(1, post_id);
    if (!known.executeStep()) return Error{what + ": no item with this id in the queue"};

    std::map<std::string, Delivery> by_channel;
    for (Delivery& d : QueryDeliveries(*db_, "WHERE post_id = ? ORDER BY id", {post_id})) {
      by_channel.emplace(d.channel, std::move(d));
    }
    RetractOutcome out;
    std::set<std::string> seen;
    for (const std::string& channel : channels) {
      if (!seen.insert(channel).second) continue;
      auto it = by_channel.find(channel);
      if (it == by_channel.end()) {
        out.unknown_channels.push_back(channel);
        continue;
      }
      const Delivery& d = it->second;
      switch (d.state) {
        case DeliveryState::kScheduled: {
          AttemptRecord rec = CancelScheduled(*db_, d, now, "retracted before it went out");
          out.cancelled.push_back({*LoadDelivery(*db_, d.id), rec});
          break;
        }
        case DeliveryState::kPublished:
        case DeliveryState::kSending:
        case DeliveryState::kUncertain: {
          SQLite::Statement mark(*db_,
                                 "UPDATE deliveries SET retract_requested_at = ?, "
                                 "retract_attempts = 0, retract_next_at = NULL, updated_at = ? "
                                 "WHERE id = ?");
          BindTime(mark, 1, now);
          BindTime(mark, 2, now);
          mark.bind(3, d.id);
          mark.exec();
          Delivery marked = *LoadDelivery(*db_, d.id);
          (d.state == DeliveryState::kPublished ? out.marked : out.awaiting)
              .push_back(std::move(marked));
          break;
        }
        case DeliveryState::kFailed:
        case DeliveryState::kCancelled:
        case DeliveryState::kRetracted:
          out.not_published.push_back(d);
          break;
      }
    }
    tx.commit();
    return out;
  } catch (const std::exception& e) {
    return Error{what + ": " + e.what()};
  }
}

Result<std::optional<Delivery>> Store::NextRetract(const std::string& channel) {
  try {
    std::vector<Delivery> next = QueryDeliveries(
        *db_,
        "WHERE channel = ? AND retract_requested_at IS NOT NULL AND state = 'published' "
        "ORDER BY COALESCE(retract_next_at, retract_requested_at), id LIMIT 1",
        {channel});
    if (next.empty()) return std::optional<Delivery>();
    return std::optional<Delivery>(std::move(next.front()));
  } catch (const std::exception& e) {
    return Error{"cannot find the next takedown on " + channel + ": " + e.what()};
  }
}

Status Store::FinishRetract(const AttemptRecord& record) {
  const std::string attempt = "takedown try " + std::to_string(record.number);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::optional<Delivery> d = LoadDelivery(*db_, record.delivery_id);
    if (!d) {
      return Error{"cannot record " + attempt + ": no delivery " +
                   std::to_string(record.delivery_id) + " in the queue"};
    }
    const std::string what = "cannot record " + attempt + " of " + DeliveryLabel(*d);
    if (record.action != AttemptAction::kRetract) {
      return Error{what + ": a publishing try is recorded with FinishAttempt"};
    }
    const bool retracted = record.outcome == "retracted";
    if (!retracted && record.outcome != "retry" && record.outcome != "failed") {
      return Error{what + ": unknown takedown outcome " + Quoted(record.outcome)};
    }
    if (record.new_state != RetractOutcomeState(record.outcome)) {
      return Error{what + ": takedown outcome " + record.outcome + " leaves it " +
                   StateName(RetractOutcomeState(record.outcome)) + ", not " +
                   StateName(record.new_state)};
    }
    if (record.outcome == "retry" && !record.next_attempt_at) {
      return Error{what + ": a takedown retry needs the time of the next try"};
    }
    if (d->state != DeliveryState::kPublished || !d->RetractPending()) {
      return Error{what + ": it is " + StateName(d->state) +
                   (d->RetractPending() ? "" : " with no takedown pending") +
                   ", and takedown tries are only recorded for a published delivery with one "
                   "pending"};
    }

    InsertAttemptRow(*db_, record);
    const bool pending = record.outcome == "retry";
    SQLite::Statement update(*db_,
                             "UPDATE deliveries SET state = ?, "
                             "retract_requested_at = CASE WHEN ? THEN retract_requested_at END, "
                             "retract_next_at = ?, retract_attempts = retract_attempts + ?, "
                             "last_error = ?, error_class = ?, updated_at = ? "
                             "WHERE id = ? AND state = 'published'");
    update.bind(1, StateName(record.new_state));
    update.bind(2, pending ? 1 : 0);
    BindOptionalTime(update, 3, pending ? record.next_attempt_at : std::nullopt);
    update.bind(4, IsAuthWait(record) ? 0 : 1);
    BindText(update, 5, record.error);
    BindText(update, 6, record.error_class);
    BindTime(update, 7, record.ended_at);
    update.bind(8, record.delivery_id);
    update.exec();
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    return Error{"cannot record " + attempt + " of delivery " + std::to_string(record.delivery_id) +
                 ": " + e.what()};
  }
}

// ---- Operator moves ---------------------------------------------------------------

Status Store::Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                         const std::string& reason, TimePoint now) {
  return Transition(delivery_id, from, to, reason, now, "", "");
}

Status Store::Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                         const std::string& reason, TimePoint now, const std::string& remote_id,
                         const std::string& remote_url) {
  const std::string what = "cannot move delivery " + std::to_string(delivery_id) + " from " +
                           StateName(from) + " to " + StateName(to);
  if (!IsAllowedTransition(from, to)) return Error{what + ": not a move the state machine allows"};
  if (to != DeliveryState::kPublished && (!remote_id.empty() || !remote_url.empty())) {
    return Error{what + ": a remote id or address only goes with a move to published"};
  }
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    std::optional<Delivery> d = LoadDelivery(*db_, delivery_id);
    if (!d) return Error{what + ": no such delivery in the queue"};
    if (d->state != from) return Error{what + ": it is " + StateName(d->state)};
    // Back to scheduled means "due now (or at due_at)": a stale retry time
    // must not hold it back. The error class describes the last failure, and
    // a delivery going out again or found published has none.
    const bool fresh = to == DeliveryState::kScheduled || to == DeliveryState::kPublished;
    SQLite::Statement st(*db_,
                         "UPDATE deliveries SET state = ?, next_attempt_at = NULL, "
                         "remote_id = COALESCE(?, remote_id), "
                         "remote_url = COALESCE(?, remote_url), last_error = ?, "
                         "error_class = CASE WHEN ? THEN NULL ELSE error_class END, "
                         "retract_requested_at = CASE WHEN ? THEN NULL "
                         "ELSE retract_requested_at END, "
                         "retract_next_at = CASE WHEN ? THEN NULL ELSE retract_next_at END, "
                         "updated_at = ? WHERE id = ? AND state = ?");
    st.bind(1, StateName(to));
    BindText(st, 2, remote_id);
    BindText(st, 3, remote_url);
    BindText(st, 4, reason);
    st.bind(5, fresh ? 1 : 0);
    // Taken down by hand: a pending takedown is settled with it.
    const bool taken_down = to == DeliveryState::kRetracted;
    st.bind(6, taken_down ? 1 : 0);
    st.bind(7, taken_down ? 1 : 0);
    BindTime(st, 8, now);
    st.bind(9, delivery_id);
    st.bind(10, StateName(from));
    st.exec();
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    return Error{what + ": " + e.what()};
  }
}

}  // namespace loa
