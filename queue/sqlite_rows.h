// Row mapping for the SQLite store (queue/sqlite_store.cc and
// queue/sqlite_store_writes.cc): binding and reading deliveries and attempt
// rows, and SQLite errors as coded Errors. Internal to queue/.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "queue/delivery.h"
#include "queue/store.h"

namespace SQLite {
class Column;
class Database;
class Statement;
}  // namespace SQLite

namespace loa {

class StatementCache;

// `what` (": " and the database's text follow), with a code read from
// SQLite's result code: kBusy, kFull, kIOError, kCorruption, else kUnknown.
Error SqlError(const std::string& what, const std::exception& e);

std::string Quoted(const std::string& s);
std::string DeliveryLabel(const Delivery& d);

// Optional text columns hold NULL rather than "" so that reports can ask
// `IS NULL`; the model uses "" for "none".
void BindText(SQLite::Statement& st, int index, const std::string& text);
void BindOptionalTime(SQLite::Statement& st, int index, const std::optional<TimePoint>& t);
void BindTime(SQLite::Statement& st, int index, TimePoint t);
std::string TextOrEmpty(const SQLite::Column& c);

// "SELECT <every column ReadDelivery reads> FROM deliveries ", for a
// statement prepared once and run for many ids.
std::string DeliverySelect();
Delivery ReadDelivery(SQLite::Statement& st);
std::vector<Delivery> QueryDeliveries(StatementCache& sql, const std::string& where_and_order,
                                      const std::vector<std::string>& params);
std::optional<Delivery> LoadDelivery(StatementCache& sql, int64_t id);

// The columns ReadAttempt expects, from `attempts a`; a query may select more
// after them, from index kAttemptColumnCount on.
extern const char* const kAttemptColumns;
constexpr int kAttemptColumnCount = 13;
AttemptRecord ReadAttempt(SQLite::Statement& st);

// Inserts the attempt row. `decision`: no request went to the channel (a
// replacement); missed and cancelled rows, and every operator's row, are
// decisions whatever it says. Decisions do not count for min_interval.
// The row is about the revision its delivery carries after it: for a
// decision that leads back to scheduled to be sent afresh (FreshRevision:
// a replacement, an operator's retry) the item's latest, else the
// delivery's own. A try never changes it.
// It also notes the row in its channel's `channel_history` (the latest
// request unless a decision; the latest success or failure of loa's own),
// in the same transaction: LastAttemptStart and LastOutcomes read that.
void InsertAttemptRow(StatementCache& sql, const AttemptRecord& record, bool decision = false);
void NoteChannelHistory(StatementCache& sql, const AttemptRecord& record, bool decision);

// Whether a decision moving a delivery with `record` sends it afresh (back
// to scheduled, not waiting on a resume token): it then carries the item's
// latest revision (the SQL fragment kLatestRevision sets it). A try that
// ends in a retry is no such decision: what was sent may have landed, so the
// next try sends the same revision under the same idempotency key, and a
// correction that came meanwhile does not reach the channel (README
// "Revisions and corrections").
bool FreshRevision(const AttemptRecord& record);
// `revision = ` the item's latest, for an UPDATE of `deliveries`.
extern const char* const kLatestRevision;

// Why FinishAttempt cannot record `record` for `d` as it is now ("" when it can).
std::string NotRecordable(const AttemptRecord& record, const Delivery& d);

// The attempt row of a decision about `d` taken at `now` without a request
// (missed, cancelled, a replacement, an operator's move).
AttemptRecord DecisionRecord(const Delivery& d, TimePoint now, AttemptOutcome outcome,
                             const std::string& reason);

// The query ReadAttemptRows reads: kAttemptColumns, then the row's seq, item,
// channel, revision and that revision's title, from `attempts a` joined to
// `deliveries d`, followed by `where_and_order`.
std::string AttemptRowsQuery(const std::string& where_and_order);
std::vector<AttemptRow> ReadAttemptRows(SQLite::Statement& st);

// Cancels a scheduled delivery (loa's decision, or `actor`'s), with the
// attempt row that records why, in the caller's transaction.
AttemptRecord CancelScheduled(StatementCache& sql, const Delivery& d, TimePoint now,
                              const std::string& reason, Actor actor = Actor::kLoa);

}  // namespace loa
