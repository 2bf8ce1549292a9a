// The SQL the SqliteStore runs on its hot paths (a channel's plan, a try
// and its row, an item's ingest, the delivery log's catch-up, the status
// reads done per event), named so that tests/store_query_plan_test.cc can
// ask SQLite how it runs each one (EXPLAIN QUERY PLAN): none may scan the
// attempts or deliveries tables, so the cost of each stays O(log n) however
// long the history grows (docs/design.md, "What the store costs").
// Internal to queue/.
#pragma once

#include <string>
#include <vector>

namespace loa::store_sql {

// A channel's latest request, success and failure, kept in `channel_history`
// (schema v7, queue/store_schema.cc) in the transaction of every attempt
// row (NoteChannelHistory in queue/sqlite_rows.cc) rather than found by a
// MAX over the channel's every attempt.
inline constexpr const char* kLastRequestStart =
    "SELECT last_request_at FROM channel_history WHERE channel = ?";
inline constexpr const char* kChannelLast =
    "SELECT success_at, failure_at, failure_error FROM channel_history WHERE channel = ?";
// ?1 request start (NULL for a decision), ?2 success end, ?3 failure end,
// ?4 failure error, ?5 the row's delivery. The latest request is the MAX of
// the starts (as the MAX over the rows was); the latest success and failure
// are those of the newest row, which this row is.
inline constexpr const char* kNoteChannelHistory =
    "INSERT INTO channel_history (channel, last_request_at, success_at, failure_at, "
    "failure_error) SELECT channel, ?1, ?2, ?3, ?4 FROM deliveries WHERE id = ?5 "
    "ON CONFLICT (channel) DO UPDATE SET "
    "last_request_at = COALESCE(MAX(last_request_at, excluded.last_request_at), "
    "last_request_at, excluded.last_request_at), "
    "success_at = COALESCE(excluded.success_at, success_at), "
    "failure_error = CASE WHEN excluded.failure_at IS NULL THEN failure_error "
    "ELSE excluded.failure_error END, "
    "failure_at = COALESCE(excluded.failure_at, failure_at)";

// Where-and-order fragments of QueryDeliveries (queue/sqlite_rows.h).
inline constexpr const char* kNextScheduled =
    "WHERE channel = ? AND state = 'scheduled' "
    "ORDER BY COALESCE(next_attempt_at, due_at), id LIMIT 1";
inline constexpr const char* kNextRetract =
    "WHERE channel = ? AND retract_requested_at IS NOT NULL AND state = 'published' "
    "ORDER BY COALESCE(retract_next_at, retract_requested_at), id LIMIT 1";
inline constexpr const char* kDeliveriesOfPost = "WHERE post_id = ? ORDER BY id";

inline constexpr const char* kLoadDelivery = "WHERE id = ?";
inline constexpr const char* kPostKnown = "SELECT item_json, revision FROM posts WHERE id = ?";
inline constexpr const char* kResetDelivery =
    "UPDATE deliveries SET state = 'scheduled', due_at = ?1, attempts = 0, "
    "next_attempt_at = CASE WHEN next_attempt_at > ?1 THEN next_attempt_at END, "
    "last_error = NULL, error_class = NULL, retract_requested_at = NULL, "
    "retract_attempts = 0, retract_next_at = NULL, resume_token = NULL, updated_at = ?2, "
    "revision = ?4 WHERE id = ?3";

// A try: scheduled -> sending, then its row and outcome.
inline constexpr const char* kBeginAttempt =
    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, "
    "updated_at = ? WHERE id = ? AND state = 'scheduled'";
inline constexpr const char* kInsertAttempt =
    "INSERT INTO attempts (delivery_id, action, number, started_at, ended_at, "
    "outcome, http_status, error_class, latency_ms, error, remote_id, "
    "remote_url, decision, actor, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "CASE WHEN ?15 THEN (SELECT p.revision FROM posts p JOIN deliveries d ON d.post_id = p.id "
    "WHERE d.id = ?1) ELSE (SELECT revision FROM deliveries WHERE id = ?1) END)";
inline constexpr const char* kFinishPublish =
    "UPDATE deliveries SET state = ?, next_attempt_at = ?, "
    "remote_id = COALESCE(?, remote_id), "
    "remote_url = COALESCE(?, remote_url), last_error = ?, "
    "error_class = ?, updated_at = ?, attempts = attempts - ?, "
    "resume_token = ? WHERE id = ?10 AND state = ?11";
inline constexpr const char* kFinishTakedown =
    "UPDATE deliveries SET state = ?, "
    "retract_requested_at = CASE WHEN ? THEN retract_requested_at END, "
    "retract_next_at = ?, retract_attempts = retract_attempts + ?, "
    "last_error = ?, error_class = ?, updated_at = ? "
    "WHERE id = ? AND state = 'published'";

// Where-and-order fragments of AttemptRowsQuery (queue/sqlite_rows.h): the
// log's catch-up, from the rowid; a delivery's rows, from attempts_by_delivery.
inline constexpr const char* kAttemptsAfter = "WHERE a.id > ? ORDER BY a.id LIMIT ?";
inline constexpr const char* kAttemptsOfDelivery = "WHERE a.delivery_id = ? ORDER BY a.id";

// FindDeliveries, one state at a time (merged by due time): through
// deliveries_by_state_due (schema v7), the first `limit` by due time of the
// state without sorting all of them. The optional filters follow the state.
std::string DeliveriesInStateWhere(bool channel, bool due_from, bool due_to, bool changed_from);

inline constexpr const char* kLastAttemptSeq = "SELECT COALESCE(MAX(id), 0) FROM attempts";

// The deliveries settled in [?1, ?2), driven by the rows of the period that settle their delivery
// (the partial index attempts_settling_by_end, schema v7), each kept when it is its delivery's
// latest settling row, so a period costs what happened in it, not every
// delivery ever published. kSettledBetween orders them oldest first;
// kLatestSettled walks the index from the end and stops after ?3.
// The title revision `r` has on the channel of delivery `d`: its
// overrides.<channel>.title, else its title. Channel names are
// [a-z0-9_-] (config/config.h), so quoting them in the path is enough.
inline constexpr const char* kTitleOnChannel =
    "COALESCE(json_extract(r.item_json, '$.overrides.\"' || d.channel || '\".title'), r.title)";

inline constexpr const char* kSettledInPeriod = R"sql(
      SELECT d.id, a.outcome, a.ended_at, COALESCE(a.error, '')
      FROM attempts a INDEXED BY attempts_settling_by_end
      JOIN deliveries d ON d.id = a.delivery_id
      WHERE a.action = 'publish' AND a.outcome IN ('published', 'failed', 'missed', 'uncertain')
        AND a.ended_at >= ?1 AND a.ended_at < ?2
        AND d.state IN ('published', 'failed', 'uncertain')
        AND a.id = (
          SELECT MAX(s.id) FROM attempts s
          WHERE s.delivery_id = d.id AND s.action = 'publish'
            AND s.outcome IN ('published', 'failed', 'missed', 'uncertain')))sql";
inline const std::string kSettledBetween =
    std::string(kSettledInPeriod) + " ORDER BY a.ended_at, d.id";
inline const std::string kLatestSettled =
    std::string(kSettledInPeriod) + " ORDER BY a.ended_at DESC, d.id DESC LIMIT ?3";

// A hot-path statement as the store runs it, for EXPLAIN QUERY PLAN.
struct NamedQuery {
  std::string name;
  std::string sql;
};
// Every statement above and the others a try, an ingest or a plan runs, in
// full (queue/sqlite_rows.cc).
std::vector<NamedQuery> HotPathQueries();

}  // namespace loa::store_sql
