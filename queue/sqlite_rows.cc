#include "queue/sqlite_rows.h"
#include "queue/statement_cache.h"
#include "queue/store_sql.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

namespace loa {

Error SqlError(const std::string& what, const std::exception& e) {
  Error error{what + ": " + e.what()};
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  if (!sql) return error;
  // The primary result code is the low byte of an extended one.
  switch (sql->getErrorCode() & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      error.code = Error::Code::kBusy;
      break;
    case SQLITE_FULL:
      error.code = Error::Code::kFull;
      break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      error.code = Error::Code::kIOError;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      error.code = Error::Code::kCorruption;
      break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
      error.code = Error::Code::kInvalid;
      break;
    default:
      break;
  }
  return error;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

std::string DeliveryLabel(const Delivery& d) {
  return "delivery " + std::to_string(d.id) + " (" + d.post_id + " on " + d.channel + ")";
}

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

namespace {

constexpr const char* kDeliveryColumns =
    "id, post_id, channel, state, due_at, attempts, next_attempt_at, remote_id, remote_url, "
    "last_error, error_class, updated_at, retract_requested_at, retract_attempts, "
    "retract_next_at, resume_token, revision";

std::optional<TimePoint> OptionalTime(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return FromUnixMillis(c.getInt64());
}

// Error classes are stored by name; a name this loa does not know (written
// by a newer one) reads as unclassified rather than failing the whole read.
ErrorClass ReadErrorClass(const SQLite::Column& c) {
  return ParseErrorClass(TextOrEmpty(c)).value_or(ErrorClass::kNone);
}

}  // namespace

Delivery ReadDelivery(SQLite::Statement& st) {
  Delivery d;
  d.id = st.getColumn(0).getInt64();
  d.post_id = st.getColumn(1).getString();
  d.channel = st.getColumn(2).getString();
  // The CHECK constraint keeps unknown names out of the table.
  d.state = ParseState(st.getColumn(3).getString()).value_or(DeliveryState::kFailed);
  d.due_at = FromUnixMillis(st.getColumn(4).getInt64());
  d.attempts = st.getColumn(5).getInt();
  d.next_attempt_at = OptionalTime(st.getColumn(6));
  d.remote_id = TextOrEmpty(st.getColumn(7));
  d.remote_url = TextOrEmpty(st.getColumn(8));
  d.last_error = TextOrEmpty(st.getColumn(9));
  d.error_class = ReadErrorClass(st.getColumn(10));
  d.updated_at = FromUnixMillis(st.getColumn(11).getInt64());
  d.retract_requested_at = OptionalTime(st.getColumn(12));
  d.retract_attempts = st.getColumn(13).getInt();
  d.retract_next_at = OptionalTime(st.getColumn(14));
  d.resume_token = TextOrEmpty(st.getColumn(15));
  d.revision = st.getColumn(16).getInt();
  return d;
}

std::string DeliverySelect() {
  return std::string("SELECT ") + kDeliveryColumns + " FROM deliveries ";
}

std::vector<Delivery> QueryDeliveries(StatementCache& sql, const std::string& where_and_order,
                                      const std::vector<std::string>& params) {
  StatementCache::Lease st_lease =
      sql.Get(std::string("SELECT ") + kDeliveryColumns + " FROM deliveries " + where_and_order);
  SQLite::Statement& st = *st_lease;
  for (size_t i = 0; i < params.size(); ++i) st.bind(static_cast<int>(i + 1), params[i]);
  std::vector<Delivery> out;
  while (st.executeStep()) out.push_back(ReadDelivery(st));
  return out;
}

std::optional<Delivery> LoadDelivery(StatementCache& sql, int64_t id) {
  StatementCache::Lease st_lease = sql.Get(std::string("SELECT ") + kDeliveryColumns +
                                           " FROM deliveries " + store_sql::kLoadDelivery);
  SQLite::Statement& st = *st_lease;
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return ReadDelivery(st);
}

const char* const kAttemptColumns =
    "a.delivery_id, a.number, a.started_at, a.ended_at, a.outcome, a.http_status, "
    "a.error_class, a.latency_ms, a.error, a.action, a.remote_id, a.remote_url, a.actor";

AttemptRecord ReadAttempt(SQLite::Statement& st) {
  AttemptRecord a;
  a.delivery_id = st.getColumn(0).getInt64();
  a.number = st.getColumn(1).getInt();
  a.started_at = FromUnixMillis(st.getColumn(2).getInt64());
  a.ended_at = FromUnixMillis(st.getColumn(3).getInt64());
  // The CHECK constraints keep other names out of the table.
  a.outcome = ParseAttemptOutcome(st.getColumn(4).getString()).value_or(AttemptOutcome::kFailed);
  a.http_status = st.getColumn(5).isNull() ? 0 : st.getColumn(5).getInt();
  a.error_class = ReadErrorClass(st.getColumn(6));
  a.latency_ms = st.getColumn(7).getInt64();
  a.error = TextOrEmpty(st.getColumn(8));
  a.action = ParseAttemptAction(st.getColumn(9).getString()).value_or(AttemptAction::kPublish);
  a.remote_id = TextOrEmpty(st.getColumn(10));
  a.remote_url = TextOrEmpty(st.getColumn(11));
  // The CHECK constraint keeps other names out of the table.
  a.actor = ParseActor(st.getColumn(12).getString()).value_or(Actor::kLoa);
  return a;
}

void InsertAttemptRow(StatementCache& sql, const AttemptRecord& record, bool decision) {
  // An operator's move never sends anything itself.
  decision = decision || record.actor == Actor::kOperator ||
             record.outcome == AttemptOutcome::kMissed ||
             record.outcome == AttemptOutcome::kCancelled;
  StatementCache::Lease row_lease = sql.Get(store_sql::kInsertAttempt);
  SQLite::Statement& row = *row_lease;
  row.bind(1, record.delivery_id);
  row.bind(2, AttemptActionName(record.action));
  row.bind(3, record.number);
  BindTime(row, 4, record.started_at);
  BindTime(row, 5, record.ended_at);
  row.bind(6, AttemptOutcomeName(record.outcome));
  if (record.http_status != 0) {
    row.bind(7, record.http_status);
  } else {
    row.bind(7);
  }
  BindText(row, 8, ErrorClassName(record.error_class));
  row.bind(9, record.latency_ms);
  BindText(row, 10, record.error);
  BindText(row, 11, record.remote_id);
  BindText(row, 12, record.remote_url);
  row.bind(13, decision ? 1 : 0);
  row.bind(14, ActorName(record.actor));
  // A try is about the revision its delivery carries, before and after: a
  // retry resends what went out (queue/sqlite_rows.h FreshRevision).
  row.bind(15, decision && FreshRevision(record) ? 1 : 0);
  row.exec();
  NoteChannelHistory(sql, record, decision);
}

void NoteChannelHistory(StatementCache& sql, const AttemptRecord& record, bool decision) {
  // What LastOutcomes reports: loa's own rows only (an operator's retry is
  // no failure of the channel, a resolve no call that published).
  using O = AttemptOutcome;
  const bool loa = record.actor == Actor::kLoa;
  const bool success = loa && (record.outcome == O::kPublished || record.outcome == O::kRetracted);
  const bool failure = loa && (record.outcome == O::kRetry || record.outcome == O::kFailed ||
                               record.outcome == O::kUncertain || record.outcome == O::kMissed);
  StatementCache::Lease note_lease = sql.Get(store_sql::kNoteChannelHistory);
  SQLite::Statement& note = *note_lease;
  if (decision) {
    note.bind(1);
  } else {
    BindTime(note, 1, record.started_at);
  }
  if (success) {
    BindTime(note, 2, record.ended_at);
  } else {
    note.bind(2);
  }
  if (failure) {
    BindTime(note, 3, record.ended_at);
    BindText(note, 4, record.error);
  } else {
    note.bind(3);
    note.bind(4);
  }
  note.bind(5, record.delivery_id);
  note.exec();
}

bool FreshRevision(const AttemptRecord& record) {
  return record.new_state() == DeliveryState::kScheduled &&
         record.outcome != AttemptOutcome::kPending;
}

const char* const kLatestRevision =
    "revision = (SELECT p.revision FROM posts p WHERE p.id = deliveries.post_id)";

std::string NotRecordable(const AttemptRecord& record, const Delivery& d) {
  using O = AttemptOutcome;
  const std::string outcome = AttemptOutcomeName(record.outcome);
  if (record.action == AttemptAction::kRetract) {
    if (record.outcome != O::kRetracted && record.outcome != O::kRetry &&
        record.outcome != O::kFailed) {
      return "takedown outcome " + outcome + " is not one a takedown try can have";
    }
    if (record.outcome == O::kRetry && !record.next_attempt_at) {
      return "a takedown retry needs the time of the next try";
    }
    if (d.state != DeliveryState::kPublished || !d.RetractPending()) {
      return std::string("it is ") + StateName(d.state) +
             (d.RetractPending() ? "" : " with no takedown pending") +
             ", and takedown tries are only recorded for a published delivery with one pending";
    }
    return "";
  }
  if (record.outcome == O::kRetracted) return "a publishing try cannot end retracted";
  if (record.look > 0) {
    if (record.outcome != O::kPublished && record.outcome != O::kUncertain &&
        record.outcome != O::kRetry) {
      return "outcome " + outcome + " is not one a look again can have";
    }
    if (d.state != DeliveryState::kUncertain) {
      return std::string("it is ") + StateName(d.state) +
             ", and a look again is only recorded for a delivery that is uncertain";
    }
    return "";
  }
  // Decisions taken without a try: the delivery never left `scheduled`.
  const bool decision = record.outcome == O::kMissed || record.outcome == O::kCancelled;
  const DeliveryState from = decision ? DeliveryState::kScheduled : DeliveryState::kSending;
  if (d.state != from) {
    return std::string("it is ") + StateName(d.state) + ", and outcome " + outcome +
           " is only recorded for a delivery that is " + StateName(from);
  }
  return "";
}

// The attempt row of a decision about `d` taken at `now` without a request.
AttemptRecord DecisionRecord(const Delivery& d, TimePoint now, AttemptOutcome outcome,
                             const std::string& reason) {
  AttemptRecord rec;
  rec.delivery_id = d.id;
  rec.number = d.attempts;
  rec.started_at = now;
  rec.ended_at = now;
  rec.outcome = outcome;
  rec.error = reason;
  return rec;
}

std::string AttemptRowsQuery(const std::string& where_and_order) {
  return std::string("SELECT ") + kAttemptColumns +
         ", a.id, d.post_id, d.channel, a.revision, COALESCE(" + store_sql::kTitleOnChannel +
         ", '') FROM attempts a "
         "JOIN deliveries d ON d.id = a.delivery_id "
         "LEFT JOIN revisions r ON r.post_id = d.post_id AND r.revision = a.revision " +
         where_and_order;
}

std::vector<AttemptRow> ReadAttemptRows(SQLite::Statement& st) {
  std::vector<AttemptRow> out;
  while (st.executeStep()) {
    AttemptRow row;
    row.record = ReadAttempt(st);
    row.seq = st.getColumn(kAttemptColumnCount).getInt64();
    row.post_id = st.getColumn(kAttemptColumnCount + 1).getString();
    row.channel = st.getColumn(kAttemptColumnCount + 2).getString();
    row.revision = st.getColumn(kAttemptColumnCount + 3).getInt();
    row.title = st.getColumn(kAttemptColumnCount + 4).getString();
    out.push_back(std::move(row));
  }
  return out;
}

// Cancels a scheduled delivery, with the attempt row that records why (so
// deliveries.jsonl, a projection of the rows, has its line), in the caller's
// transaction.
AttemptRecord CancelScheduled(StatementCache& sql, const Delivery& d, TimePoint now,
                              const std::string& reason, Actor actor) {
  AttemptRecord rec = DecisionRecord(d, now, AttemptOutcome::kCancelled, reason);
  rec.actor = actor;
  InsertAttemptRow(sql, rec);
  StatementCache::Lease cancel_lease = sql.Get(
      "UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, "
      "last_error = ?, error_class = NULL, retract_requested_at = NULL, "
      "retract_next_at = NULL, resume_token = NULL, updated_at = ? "
      "WHERE id = ?");
  SQLite::Statement& cancel = *cancel_lease;
  cancel.bind(1, rec.error);
  BindTime(cancel, 2, now);
  cancel.bind(3, d.id);
  cancel.exec();
  return rec;
}

std::vector<store_sql::NamedQuery> store_sql::HotPathQueries() {
  const std::string deliveries = std::string("SELECT ") + kDeliveryColumns + " FROM deliveries ";
  return {
      {"LastAttemptStart", kLastRequestStart},
      {"LastOutcomes", kChannelLast},
      {"NoteChannelHistory", kNoteChannelHistory},
      {"NextScheduled", deliveries + kNextScheduled},
      {"NextRetract", deliveries + kNextRetract},
      {"DeliveriesOfPost", deliveries + kDeliveriesOfPost},
      {"LoadDelivery", deliveries + kLoadDelivery},
      {"InsertAttemptRow", kInsertAttempt},
      {"BeginAttempt", kBeginAttempt},
      {"FinishAttempt", kFinishPublish},
      {"FinishTakedown", kFinishTakedown},
      {"UpsertPost known", kPostKnown},
      {"UpsertPost reset", kResetDelivery},
      {"AttemptsAfter", AttemptRowsQuery(kAttemptsAfter)},
      {"AttemptRows", AttemptRowsQuery(kAttemptsOfDelivery)},
      {"LastAttemptSeq", kLastAttemptSeq},
      {"SettledBetween", kSettledBetween},
      {"LatestSettled", kLatestSettled},
      {"FindDeliveries", deliveries + DeliveriesInStateWhere(false, false, false, false)},
      {"FindDeliveries of a period", deliveries + DeliveriesInStateWhere(false, true, true, false)},
      {"FindDeliveries changed lately",
       deliveries + DeliveriesInStateWhere(false, false, false, true)},
  };
}

}  // namespace loa
