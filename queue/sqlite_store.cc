#include "queue/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "base/fs.h"
#include "queue/sqlite_rows.h"
#include "queue/statement_cache.h"
#include "queue/store_schema.h"
#include "queue/store_sql.h"

namespace loa {

namespace {

// How long a statement waits for another connection's write lock (an
// operator's sqlite3 shell, the token store's connection) before giving up
// with SQLITE_BUSY. The engine calls the store on its one event-loop thread,
// where every millisecond spent waiting delays signals, timers and the inbox:
// a refused write is kept by the engine and tried again on a timer
// (queue/held_outcomes.cc), so waiting long here buys nothing.
constexpr int kBusyTimeoutMs = 100;
// Opening runs before the event loop, and a migration may wait for a reader
// to finish: it may wait longer.
constexpr int kOpenBusyTimeoutMs = 5000;

Result<std::optional<Delivery>> First(std::vector<Delivery> found) {
  if (found.empty()) return std::optional<Delivery>();
  return std::optional<Delivery>(std::move(found.front()));
}

}  // namespace

// ---- Opening ----------------------------------------------------------------

SqliteStore::SqliteStore(std::unique_ptr<SQLite::Database> db)
    : db_(std::move(db)), statements_(std::make_unique<StatementCache>(*db_)) {}
// A group still open is rolled back as the connection closes.
SqliteStore::~SqliteStore() = default;

Status SqliteStore::BeginGroup() {
  if (in_group_) return Error{"a group of writes is already open", Error::Code::kInvalid};
  try {
    statements_->Exec("BEGIN IMMEDIATE");
    in_group_ = true;
    return Ok{};
  } catch (const std::exception& e) {
    return SqlError("cannot start a group of writes", e);
  }
}

Status SqliteStore::EndGroup() {
  if (!in_group_) return Error{"no group of writes is open", Error::Code::kInvalid};
  in_group_ = false;
  // SQLite undoes the whole transaction after some errors (a full disk,
  // an I/O error): then there is nothing left to commit.
  if (sqlite3_get_autocommit(db_->getHandle()) != 0) {
    return Error{"the store undid the group of writes after an error"};
  }
  try {
    statements_->Exec("COMMIT");
    return Ok{};
  } catch (const std::exception& e) {
    Error error = SqlError("cannot commit a group of writes", e);
    try {
      if (sqlite3_get_autocommit(db_->getHandle()) == 0) statements_->Exec("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): the error above says it
    }
    return error;
  }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path) {
  const std::string where = "the queue database " + path.string();
  if (path.has_parent_path()) {
    if (Status made = EnsureDir(path.parent_path()); !made.ok()) {
      return Error{"cannot create the folder of " + where + ": " + made.error(),
                   Error::Code::kIOError};
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
    // SQLite's default page cache is 2 MB: with a million attempt rows the
    // index pages an ingest or a delivery touches no longer stay in it, and
    // each miss is a read from the kernel. The cache grows only as pages
    // are used. bench/, CPU per ingested item with 1 M attempts against an
    // empty store: 1.22× with 2 MB, 1.00× with 8 MB.
    db->exec("PRAGMA cache_size = -8000");
    if (Status migrated = Migrate(*db, where); !migrated.ok()) return migrated.failure();
    db->setBusyTimeout(kBusyTimeoutMs);
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db)));
  } catch (const std::exception& e) {
    return SqlError("cannot open " + where, e);
  }
}

Result<int> SqliteStore::SchemaVersion() {
  try {
    return UserVersion(*db_);
  } catch (const std::exception& e) {
    return SqlError("cannot read the schema version", e);
  }
}

Result<std::string> SqliteStore::Pragma(const std::string& name) {
  const bool identifier = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || c == '_';
  });
  if (!identifier) return Error{"not a pragma name: " + Quoted(name), Error::Code::kInvalid};
  try {
    StatementCache::Lease st_lease = statements_->Get("PRAGMA " + name);
    SQLite::Statement& st = *st_lease;
    if (!st.executeStep()) return Error{"pragma " + name + " has no value", Error::Code::kNotFound};
    return TextOrEmpty(st.getColumn(0));
  } catch (const std::exception& e) {
    return SqlError("cannot read pragma " + name, e);
  }
}

Status SqliteStore::ExecForTest(const std::string& sql) {
  try {
    db_->exec(sql);
    return Ok{};
  } catch (const std::exception& e) {
    return SqlError("cannot run test SQL", e);
  }
}

// ---- Reads ------------------------------------------------------------------

namespace {

// An item as the store keeps it (ItemToJson), read back.
Result<Item> StoredItem(const std::string& id, const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Error{"item " + Quoted(id) + " is stored as invalid JSON", Error::Code::kCorruption};
  }
  const std::string unreadable =
      "item " + Quoted(id) + " is stored in a form this loa cannot read: ";
  // The engine's thread must not die on one odd row, whatever the reader throws.
  try {
    Result<Item> item = ItemFromJson(j);
    if (!item.ok()) return Error{unreadable + item.error(), Error::Code::kCorruption};
    return item;
  } catch (const std::exception& e) {
    return Error{unreadable + e.what(), Error::Code::kCorruption};
  }
}

}  // namespace

Result<Item> SqliteStore::GetPost(const std::string& id) {
  std::string text;
  try {
    StatementCache::Lease st_lease = statements_->Get("SELECT item_json FROM posts WHERE id = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, id);
    if (!st.executeStep()) {
      return Error{"no item with id " + Quoted(id) + " in the queue", Error::Code::kNotFound};
    }
    text = st.getColumn(0).getString();
  } catch (const std::exception& e) {
    return SqlError("cannot read item " + Quoted(id) + " from the queue", e);
  }
  return StoredItem(id, text);
}

Result<Item> SqliteStore::GetPostRevisionItem(const std::string& id, int revision) {
  std::string text;
  try {
    StatementCache::Lease st_lease =
        statements_->Get("SELECT item_json FROM revisions WHERE post_id = ? AND revision = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, id);
    st.bind(2, revision);
    if (!st.executeStep()) {
      return Error{
          "no revision " + std::to_string(revision) + " of item " + Quoted(id) + " in the queue",
          Error::Code::kNotFound};
    }
    text = st.getColumn(0).getString();
  } catch (const std::exception& e) {
    return SqlError("cannot read item " + Quoted(id) + " from the queue", e);
  }
  return StoredItem(id, text);
}

Result<Delivery> SqliteStore::GetDelivery(int64_t id) {
  try {
    std::optional<Delivery> d = LoadDelivery(*statements_, id);
    if (!d) {
      return Error{"no delivery " + std::to_string(id) + " in the queue", Error::Code::kNotFound};
    }
    return std::move(*d);
  } catch (const std::exception& e) {
    return SqlError("cannot read delivery " + std::to_string(id), e);
  }
}

Result<std::vector<Delivery>> SqliteStore::ListDeliveries(const std::string& post_id) {
  try {
    if (post_id.empty()) return QueryDeliveries(*statements_, "ORDER BY id", {});
    return QueryDeliveries(*statements_, "WHERE post_id = ? ORDER BY id", {post_id});
  } catch (const std::exception& e) {
    return SqlError("cannot list deliveries", e);
  }
}

Result<std::vector<Delivery>> SqliteStore::InState(DeliveryState state) {
  try {
    return QueryDeliveries(*statements_, "WHERE state = ? ORDER BY id", {StateName(state)});
  } catch (const std::exception& e) {
    return SqlError(std::string("cannot list ") + StateName(state) + " deliveries", e);
  }
}

Result<std::optional<Delivery>> SqliteStore::NextScheduled(const std::string& channel) {
  try {
    return First(QueryDeliveries(*statements_, store_sql::kNextScheduled, {channel}));
  } catch (const std::exception& e) {
    return SqlError("cannot find the next delivery of " + channel, e);
  }
}

Result<std::optional<Delivery>> SqliteStore::NextRetract(const std::string& channel) {
  try {
    return First(QueryDeliveries(*statements_, store_sql::kNextRetract, {channel}));
  } catch (const std::exception& e) {
    return SqlError("cannot find the next takedown on " + channel, e);
  }
}

Result<std::optional<TimePoint>> SqliteStore::LastAttemptStart(const std::string& channel) {
  try {
    // Rows of decisions (missed, cancelled, a replacement, an operator's
    // move) record no request: they do not count against min_interval
    // (InsertAttemptRow leaves last_request_at as it is for them).
    StatementCache::Lease st_lease = statements_->Get(store_sql::kLastRequestStart);
    SQLite::Statement& st = *st_lease;
    st.bind(1, channel);
    if (!st.executeStep() || st.getColumn(0).isNull()) return std::optional<TimePoint>();
    return std::optional<TimePoint>(FromUnixMillis(st.getColumn(0).getInt64()));
  } catch (const std::exception& e) {
    return SqlError("cannot read the last attempt on " + channel, e);
  }
}

Result<std::vector<AttemptRecord>> SqliteStore::ListAttempts(int64_t delivery_id) {
  try {
    StatementCache::Lease st_lease =
        statements_->Get(std::string("SELECT ") + kAttemptColumns +
                         " FROM attempts a WHERE a.delivery_id = ? ORDER BY a.id");
    SQLite::Statement& st = *st_lease;
    st.bind(1, delivery_id);
    std::vector<AttemptRecord> out;
    while (st.executeStep()) out.push_back(ReadAttempt(st));
    return out;
  } catch (const std::exception& e) {
    return SqlError("cannot list the attempts of delivery " + std::to_string(delivery_id), e);
  }
}

Result<std::vector<AttemptRow>> SqliteStore::AttemptsAfter(int64_t after_seq, int limit) {
  try {
    StatementCache::Lease st_lease = statements_->Get(AttemptRowsQuery(store_sql::kAttemptsAfter));
    SQLite::Statement& st = *st_lease;
    st.bind(1, after_seq);
    st.bind(2, limit);
    return ReadAttemptRows(st);
  } catch (const std::exception& e) {
    return SqlError("cannot read the attempts after " + std::to_string(after_seq), e);
  }
}

Result<int64_t> SqliteStore::LastAttemptSeq() {
  try {
    StatementCache::Lease st = statements_->Get(store_sql::kLastAttemptSeq);
    st->executeStep();
    return st->getColumn(0).getInt64();
  } catch (const std::exception& e) {
    return SqlError("cannot read the last attempt", e);
  }
}

Result<std::map<std::string, std::map<DeliveryState, int64_t>>> SqliteStore::QueueDepths() {
  try {
    std::map<std::string, std::map<DeliveryState, int64_t>> depths;
    StatementCache::Lease q_lease =
        statements_->Get("SELECT channel, state, COUNT(*) FROM deliveries GROUP BY 1, 2");
    SQLite::Statement& q = *q_lease;
    while (q.executeStep()) {
      // A state this loa does not know (a newer loa's database is refused at
      // open, so only a damaged row) is left out rather than miscounted.
      std::optional<DeliveryState> state = ParseState(q.getColumn(1).getString());
      if (state) depths[q.getColumn(0).getString()][*state] = q.getColumn(2).getInt64();
    }
    return depths;
  } catch (const std::exception& e) {
    return SqlError("cannot count the deliveries by channel and state", e);
  }
}

Result<bool> SqliteStore::StillRecordable(const AttemptRecord& record) {
  try {
    std::optional<Delivery> d = LoadDelivery(*statements_, record.delivery_id);
    return d && NotRecordable(record, *d).empty();
  } catch (const std::exception& e) {
    return SqlError("cannot read delivery " + std::to_string(record.delivery_id), e);
  }
}

}  // namespace loa
