#include "queue/store_schema.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <iterator>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "queue/store.h"

namespace loa {

namespace {

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

// Version 4: a channel may answer "accepted, not finished: call again after
// N with this token" (Outcome::Pending). The token is kept on the delivery
// (the come-back time is its next_attempt_at), the attempt row says
// "pending", and a row records whether a request went to the channel at all
// (`decision`: missed, cancelled, a replacement, an operator's move), so that
// only requests count for min_interval. `attempts` is rebuilt for the new
// CHECK, as in version 2.
void AddPendingAndDecisions(SQLite::Database& db) {
  db.exec(R"sql(
    ALTER TABLE deliveries ADD COLUMN resume_token TEXT;

    CREATE TABLE attempts_v4 (
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
    INSERT INTO attempts_v4 (id, delivery_id, action, number, started_at, ended_at, outcome,
                             http_status, error_class, latency_ms, error, remote_id, remote_url,
                             decision)
      SELECT id, delivery_id, action, number, started_at, ended_at, outcome,
             http_status, error_class, latency_ms, error, remote_id, remote_url,
             outcome IN ('missed', 'cancelled')
      FROM attempts;
    DROP TABLE attempts;
    ALTER TABLE attempts_v4 RENAME TO attempts;
    CREATE INDEX attempts_by_delivery ON attempts (delivery_id, started_at);
  )sql");
}

// Version 5: an attempt row says who decided it (AttemptRecord::actor): loa,
// or an operator through the control API. Existing rows are loa's. The
// operator's moves use the outcomes loa already has, so the CHECK on
// `outcome` stays and no rebuild is needed.
void AddAttemptActor(SQLite::Database& db) {
  db.exec(R"sql(
    ALTER TABLE attempts ADD COLUMN actor TEXT NOT NULL DEFAULT 'loa'
      CHECK (actor IN ('loa', 'operator'));
  )sql");
}

// Version 6: revisions. Every accepted drop of an item is a row of
// `revisions` (where it came from, its content hash, who approved it, and
// the item as it was), and a delivery records the revision it carries, an
// attempt row the one it was about. Before this loa kept only an item's
// latest content, so each post gets one revision row, its current one (no
// file name: not known), and every delivery and attempt row is taken to be
// about it. The hash is the one UpsertPost computes: SHA-256 of item_json.
void AddRevisions(SQLite::Database& db) {
  db.exec(R"sql(
    CREATE TABLE revisions (
      post_id     TEXT NOT NULL REFERENCES posts(id),
      revision    INTEGER NOT NULL,
      accepted_at INTEGER NOT NULL,
      file        TEXT,
      sha256      TEXT NOT NULL,
      approved_by TEXT NOT NULL,
      title       TEXT NOT NULL,
      form        TEXT,
      unit        TEXT,
      topics_json TEXT NOT NULL,
      item_json   TEXT NOT NULL,
      PRIMARY KEY (post_id, revision)
    );
    ALTER TABLE deliveries ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    UPDATE deliveries SET revision = (SELECT p.revision FROM posts p WHERE p.id = deliveries.post_id);
    ALTER TABLE attempts ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    UPDATE attempts SET revision = (SELECT d.revision FROM deliveries d
                                    WHERE d.id = attempts.delivery_id);
  )sql");
  SQLite::Statement posts(db,
                          "SELECT id, revision, updated_at, item_json, title, form, unit, "
                          "topics_json FROM posts ORDER BY id");
  SQLite::Statement insert(db,
                           "INSERT INTO revisions (post_id, revision, accepted_at, file, sha256, "
                           "approved_by, title, form, unit, topics_json, item_json) "
                           "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)");
  while (posts.executeStep()) {
    const std::string item_json = posts.getColumn(3).getString();
    // A row this loa cannot parse keeps its revision all the same: the
    // reads that need the item (GetPost) say what is wrong with it.
    auto item = nlohmann::json::parse(item_json, nullptr, /*allow_exceptions=*/false);
    std::string approved_by;
    if (item.is_object() && item.contains("approved_by") && item["approved_by"].is_string()) {
      approved_by = item["approved_by"].get<std::string>();
    }
    insert.reset();
    insert.bind(1, posts.getColumn(0).getString());
    insert.bind(2, posts.getColumn(1).getInt());
    insert.bind(3, posts.getColumn(2).getInt64());
    insert.bind(4, Sha256Hex(item_json));
    insert.bind(5, approved_by);
    insert.bind(6, posts.getColumn(4).getString());
    for (int i : {5, 6}) {  // form, unit: NULL stays NULL
      SQLite::Column text = posts.getColumn(i);
      if (text.isNull()) {
        insert.bind(i + 2);
      } else {
        insert.bind(i + 2, text.getString());
      }
    }
    insert.bind(9, posts.getColumn(7).getString());
    insert.bind(10, item_json);
    insert.exec();
  }
}

// Version 7: cost independent of history (docs/design.md, "What the store
// costs"). A channel's latest request, success and failure were each found by
// a MAX over every attempt row of the channel, on every start and every
// `loa status`; `channel_history` keeps them, updated in the transaction of
// each attempt row (queue/store_sql.h kNoteChannelHistory), and is filled
// here from the rows in one pass, with what the queries it replaces asked
// (the greatest start of a request; loa's newest success and failure by
// row id), so an upgraded store answers as before. The rows that settle a
// delivery get an index by their end, so a period's settled deliveries (the
// status page, reports) are read from what happened in the period rather
// than from every delivery ever published; and deliveries an index by state
// and due time, so the first of a listing by due time (the status page, the
// dashboard, `loa queue`) are read without sorting every queued one; it
// replaces the index by state alone.
void AddChannelHistory(SQLite::Database& db) {
  db.exec(R"sql(
    CREATE TABLE channel_history (
      channel         TEXT PRIMARY KEY,
      last_request_at INTEGER,
      success_at      INTEGER,
      failure_at      INTEGER,
      failure_error   TEXT
    );
    WITH latest AS (
      SELECT d.channel AS channel,
             MAX(CASE WHEN a.decision = 0 THEN a.started_at END) AS request_at,
             MAX(CASE WHEN a.actor = 'loa' AND a.outcome IN ('published', 'retracted')
                      THEN a.id END) AS success_id,
             MAX(CASE WHEN a.actor = 'loa'
                       AND a.outcome IN ('retry', 'failed', 'uncertain', 'missed')
                      THEN a.id END) AS failure_id
      FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
      GROUP BY d.channel)
    INSERT INTO channel_history (channel, last_request_at, success_at, failure_at, failure_error)
      SELECT l.channel, l.request_at, s.ended_at, f.ended_at, f.error
      FROM latest l LEFT JOIN attempts s ON s.id = l.success_id
                    LEFT JOIN attempts f ON f.id = l.failure_id;
    CREATE INDEX attempts_settling_by_end ON attempts (ended_at)
      WHERE action = 'publish' AND outcome IN ('published', 'failed', 'missed', 'uncertain');
    CREATE INDEX deliveries_by_state_due ON deliveries (state, due_at, id);
    -- Its prefix serves every lookup by state: one index fewer to keep up
    -- at each state change.
    DROP INDEX deliveries_by_state;
  )sql");
}

const Migration kMigrations[] = {
    {"posts, deliveries and attempts", CreateInitialSchema},
    {"retract, auth pauses and OAuth tokens", AddRetractAuthAndTokens},
    {"where the post is, in each attempt row", AddAttemptRemote},
    {"resume tokens and pending attempts", AddPendingAndDecisions},
    {"who decided each attempt row", AddAttemptActor},
    {"revisions of each item", AddRevisions},
    {"each channel's latest request and outcomes, settling rows by their end", AddChannelHistory},
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion,
              "every schema version needs exactly one migration step");

}  // namespace

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

}  // namespace loa
