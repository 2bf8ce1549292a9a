// The SqliteStore's state changes: each one transaction, each with its
// attempt row (see queue/store.h).
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "base/crypto.h"
#include "queue/sqlite_rows.h"
#include "queue/sqlite_store.h"
#include "queue/statement_cache.h"
#include "queue/store_sql.h"
#include "queue/write_transaction.h"

namespace loa {

namespace {

// Moves allowed outside a try: reconciliation after a restart and operator
// decisions.
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

// A delivery whose channel has the post (or may have it): a replacement or a
// retract must not treat it as not yet out. A scheduled one holding a resume
// token was accepted by the channel and is only waiting to be finished.
bool OnTheChannel(const Delivery& d) {
  return d.state != DeliveryState::kScheduled || !d.resume_token.empty();
}

// Whether `item` (stored as `item_json`) is the one stored as `stored`. An
// item without publish_at is due when it is read; dropped again unchanged,
// it is the same item although it would be read as due later.
bool SameItem(const std::string& stored, const Item& item, const std::string& item_json) {
  if (stored == item_json) return true;
  if (item.publish_at_given) return false;
  nlohmann::json was = nlohmann::json::parse(stored, nullptr, /*allow_exceptions=*/false);
  if (!was.is_object() || !was.contains("publish_at")) return false;
  nlohmann::json now = ItemToJson(item);
  now["publish_at"] = was["publish_at"];
  return now.dump() == stored;
}

}  // namespace

// ---- Posts ------------------------------------------------------------------

Result<UpsertOutcome> SqliteStore::UpsertPost(const Item& item, TimePoint now,
                                              const DropSource& source) {
  const std::string label = "item " + item.id;
  try {
    const std::string item_json = ItemToJson(item).dump();
    const std::string topics_json = nlohmann::json(item.topics).dump();
    const int64_t now_ms = ToUnixMillis(now);
    UpsertOutcome out;

    WriteTransaction tx(*statements_, in_group_);
    {
      StatementCache::Lease known_lease = statements_->Get(store_sql::kPostKnown);
      SQLite::Statement& known = *known_lease;
      known.bind(1, item.id);
      out.existed = known.executeStep();
      out.revision = out.existed ? known.getColumn(1).getInt() : 0;
      // Taking the same item again must not touch its deliveries: resetting
      // one that waits for a lost create to land would send it too early.
      // Nor is it a revision: nothing in it changed.
      if (out.existed && SameItem(known.getColumn(0).getString(), item, item_json)) {
        out.unchanged = true;
        return out;
      }
    }
    out.revision += 1;
    StatementCache::Lease post_lease =
        statements_->Get(out.existed ? "UPDATE posts SET item_json = ?2, title = ?3, form = ?4, "
                                       "unit = ?5, topics_json = ?6, action = ?7, updated_at = ?8, "
                                       "revision = ?9 WHERE id = ?1"
                                     : "INSERT INTO posts (id, item_json, title, form, unit, "
                                       "topics_json, action, created_at, updated_at, revision) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)");
    SQLite::Statement& post = *post_lease;
    post.bind(1, item.id);
    post.bind(2, item_json);
    post.bind(3, item.title);
    BindText(post, 4, item.form.value_or(""));
    BindText(post, 5, item.unit.value_or(""));
    post.bind(6, topics_json);
    post.bind(7, item.action);
    post.bind(8, now_ms);
    post.bind(9, out.revision);
    post.exec();

    // The revision as accepted: its hash is of the item as stored (media
    // hashes included), so the same content always hashes the same.
    StatementCache::Lease revision_lease = statements_->Get(
        "INSERT INTO revisions (post_id, revision, accepted_at, file, "
        "sha256, approved_by, title, form, unit, topics_json, item_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    SQLite::Statement& revision = *revision_lease;
    revision.bind(1, item.id);
    revision.bind(2, out.revision);
    revision.bind(3, now_ms);
    BindText(revision, 4, source.file);
    revision.bind(5, Sha256Hex(item_json));
    revision.bind(6, item.approved_by);
    revision.bind(7, item.title);
    BindText(revision, 8, item.form.value_or(""));
    BindText(revision, 9, item.unit.value_or(""));
    revision.bind(10, topics_json);
    revision.bind(11, item_json);
    revision.exec();

    std::map<std::string, Delivery> old;
    for (Delivery& d : QueryDeliveries(*statements_, store_sql::kDeliveriesOfPost, {item.id})) {
      old.emplace(d.channel, std::move(d));
    }

    std::set<std::string> named;
    for (const std::string& channel : item.channels) {
      if (!named.insert(channel).second) continue;  // named twice: one delivery
      auto it = old.find(channel);
      if (it == old.end()) {
        StatementCache::Lease insert_lease = statements_->Get(
            "INSERT INTO deliveries (post_id, channel, state, due_at, "
            "attempts, updated_at, revision) "
            "VALUES (?, ?, 'scheduled', ?, 0, ?, ?)");
        SQLite::Statement& insert = *insert_lease;
        insert.bind(1, item.id);
        insert.bind(2, channel);
        BindTime(insert, 3, item.DueAt(channel));
        insert.bind(4, now_ms);
        insert.bind(5, out.revision);
        insert.exec();
        out.scheduled.push_back(channel);
        continue;
      }
      const Delivery& d = it->second;
      if (d.KeepsItsRevision()) {
        // Out (or maybe out, or accepted and not finished): replacing it
        // would publish twice. It keeps the revision it went out with.
        out.kept.push_back(channel);
        out.kept_deliveries.push_back(d);
        continue;
      }
      // Not out yet: the new version replaces it and starts afresh. It is
      // the editor's latest word, so an older retract no longer holds. A
      // wait for a retry is kept when it ends after the new due time: after
      // a lost create it is the time before which that create may still land
      // (contract/connector.h, Reconciliation::not_before), and sending
      // earlier could publish twice.
      if (d.state != DeliveryState::kScheduled) {
        // Back to scheduled is a state change: its row says why (and, like
        // the delivery, is about the new revision).
        InsertAttemptRow(*statements_,
                         DecisionRecord(d, now, AttemptOutcome::kRetry,
                                        "replaced by a new version of the item: scheduled again"),
                         /*decision=*/true);
      }
      StatementCache::Lease reset_lease = statements_->Get(store_sql::kResetDelivery);
      SQLite::Statement& reset = *reset_lease;
      BindTime(reset, 1, item.DueAt(channel));
      reset.bind(2, now_ms);
      reset.bind(3, d.id);
      reset.bind(4, out.revision);
      reset.exec();
      out.scheduled.push_back(channel);
    }
    for (const auto& [channel, d] : old) {
      if (named.count(channel)) continue;
      // Out, being sent, maybe out (or taken down): the correction does not
      // reach it, and the note and the log say so, as for a channel still
      // named.
      if (d.KeepsItsRevision()) {
        out.kept.push_back(channel);
        out.kept_deliveries.push_back(d);
        continue;
      }
      if (d.state != DeliveryState::kScheduled) continue;  // never out: failed, cancelled
      CancelScheduled(*statements_, d, now,
                      "the replacing version of the item no longer names this channel");
      out.cancelled.push_back(channel);
    }
    tx.commit();
    return out;
  } catch (const std::exception& e) {
    return SqlError("cannot store " + label, e);
  }
}

// ---- Tries ------------------------------------------------------------------

Result<Delivery> SqliteStore::BeginAttempt(int64_t delivery_id, TimePoint now) {
  try {
    WriteTransaction tx(*statements_, in_group_);
    std::optional<Delivery> d = LoadDelivery(*statements_, delivery_id);
    if (!d) {
      return Error{"no delivery " + std::to_string(delivery_id) + " in the queue",
                   Error::Code::kNotFound};
    }
    if (d->state != DeliveryState::kScheduled) {
      return Error{"cannot start " + DeliveryLabel(*d) + ": it is " + StateName(d->state) +
                       ", not scheduled",
                   Error::Code::kInvalid};
    }
    StatementCache::Lease st_lease = statements_->Get(store_sql::kBeginAttempt);
    SQLite::Statement& st = *st_lease;
    BindTime(st, 1, now);
    st.bind(2, delivery_id);
    st.exec();
    std::optional<Delivery> begun = LoadDelivery(*statements_, delivery_id);
    tx.commit();
    return std::move(*begun);
  } catch (const std::exception& e) {
    return SqlError("cannot start delivery " + std::to_string(delivery_id), e);
  }
}

Status SqliteStore::FinishAttempt(const AttemptRecord& record) {
  const bool takedown = record.action == AttemptAction::kRetract;
  const std::string attempt =
      (takedown ? "takedown try " : "attempt ") + std::to_string(record.number);
  try {
    WriteTransaction tx(*statements_, in_group_);
    std::optional<Delivery> d = LoadDelivery(*statements_, record.delivery_id);
    if (!d) {
      return Error{"cannot record " + attempt + ": no delivery " +
                       std::to_string(record.delivery_id) + " in the queue",
                   Error::Code::kNotFound};
    }
    if (std::string why = NotRecordable(record, *d); !why.empty()) {
      return Error{"cannot record " + attempt + " of " + DeliveryLabel(*d) + ": " + why,
                   Error::Code::kInvalid};
    }
    InsertAttemptRow(*statements_, record);
    const DeliveryState to = record.new_state();
    // A try given back (an auth pause, a pending answer) is the channel's
    // doing, not this delivery's failure: its row stays, the count does not.
    const int given_back = record.GivesTryBack() ? 1 : 0;
    if (takedown) {
      const bool still_pending = record.outcome == AttemptOutcome::kRetry;
      StatementCache::Lease update_lease = statements_->Get(store_sql::kFinishTakedown);
      SQLite::Statement& update = *update_lease;
      update.bind(1, StateName(to));
      update.bind(2, still_pending ? 1 : 0);
      BindOptionalTime(update, 3, still_pending ? record.next_attempt_at : std::nullopt);
      update.bind(4, 1 - given_back);
      BindText(update, 5, record.error);
      BindText(update, 6, ErrorClassName(record.error_class));
      BindTime(update, 7, record.ended_at);
      update.bind(8, record.delivery_id);
      update.exec();
    } else {
      StatementCache::Lease update_lease = statements_->Get(store_sql::kFinishPublish);
      SQLite::Statement& update = *update_lease;
      update.bind(1, StateName(to));
      // Scheduled: the retry time; uncertain: the next look again
      // (queue/engine_relook.cc).
      const bool timed = to == DeliveryState::kScheduled || to == DeliveryState::kUncertain;
      BindOptionalTime(update, 2, timed ? record.next_attempt_at : std::nullopt);
      BindText(update, 3, record.remote_id);
      BindText(update, 4, record.remote_url);
      BindText(update, 5, record.error);
      BindText(update, 6, ErrorClassName(record.error_class));
      BindTime(update, 7, record.ended_at);
      update.bind(8, given_back);
      // Only a pending answer carries a token; any other clears it.
      BindText(update, 9,
               record.outcome == AttemptOutcome::kPending ? record.resume_token : std::string());
      update.bind(10, record.delivery_id);
      update.bind(11, StateName(d->state));
      // The delivery keeps its revision, also back to scheduled for a retry:
      // the next try resends what this one sent (queue/sqlite_rows.h).
      update.exec();
    }
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    return SqlError(
        "cannot record " + attempt + " of delivery " + std::to_string(record.delivery_id), e);
  }
}

// ---- Takedowns ----------------------------------------------------------------

Result<RetractOutcome> SqliteStore::RequestRetract(const std::string& post_id,
                                                   const std::vector<std::string>& channels,
                                                   TimePoint now) {
  const std::string what = "cannot retract item " + Quoted(post_id);
  try {
    WriteTransaction tx(*statements_, in_group_);
    StatementCache::Lease known_lease = statements_->Get("SELECT 1 FROM posts WHERE id = ?");
    SQLite::Statement& known = *known_lease;
    known.bind(1, post_id);
    if (!known.executeStep()) {
      return Error{what + ": no item with this id in the queue", Error::Code::kNotFound};
    }
    std::map<std::string, Delivery> by_channel;
    for (Delivery& d : QueryDeliveries(*statements_, "WHERE post_id = ? ORDER BY id", {post_id})) {
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
        case DeliveryState::kScheduled:
          if (!OnTheChannel(d)) {
            AttemptRecord rec =
                CancelScheduled(*statements_, d, now, "retracted before it went out");
            out.cancelled.push_back({*LoadDelivery(*statements_, d.id), rec});
            break;
          }
          [[fallthrough]];  // accepted by the channel, not finished: like sending
        case DeliveryState::kPublished:
        case DeliveryState::kSending:
        case DeliveryState::kUncertain: {
          StatementCache::Lease mark_lease = statements_->Get(
              "UPDATE deliveries SET retract_requested_at = ?, "
              "retract_attempts = 0, retract_next_at = NULL, updated_at = ? "
              "WHERE id = ?");
          SQLite::Statement& mark = *mark_lease;
          BindTime(mark, 1, now);
          BindTime(mark, 2, now);
          mark.bind(3, d.id);
          mark.exec();
          Delivery marked = *LoadDelivery(*statements_, d.id);
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
    return SqlError(what, e);
  }
}

// ---- Moves outside a try --------------------------------------------------------

Status SqliteStore::Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                               const std::string& reason, TimePoint now,
                               const std::string& remote_id, const std::string& remote_url) {
  const std::string what = "cannot move delivery " + std::to_string(delivery_id) + " from " +
                           StateName(from) + " to " + StateName(to);
  if (!IsAllowedTransition(from, to)) {
    return Error{what + ": not a move the state machine allows", Error::Code::kInvalid};
  }
  if (to != DeliveryState::kPublished && (!remote_id.empty() || !remote_url.empty())) {
    return Error{what + ": a remote id or address only goes with a move to published",
                 Error::Code::kInvalid};
  }
  try {
    WriteTransaction tx(*statements_, in_group_);
    std::optional<Delivery> d = LoadDelivery(*statements_, delivery_id);
    if (!d) return Error{what + ": no such delivery in the queue", Error::Code::kNotFound};
    if (d->state != from) {
      return Error{what + ": it is " + StateName(d->state), Error::Code::kInvalid};
    }
    // The row: the outcome that leads to `to` (StateAfter), so that the
    // delivery log still tells where every delivery stands.
    static constexpr std::pair<DeliveryState, AttemptOutcome> kOutcomeOf[] = {
        {DeliveryState::kScheduled, AttemptOutcome::kRetry},
        {DeliveryState::kPublished, AttemptOutcome::kPublished},
        {DeliveryState::kFailed, AttemptOutcome::kFailed},
        {DeliveryState::kUncertain, AttemptOutcome::kUncertain},
        {DeliveryState::kCancelled, AttemptOutcome::kCancelled},
        {DeliveryState::kRetracted, AttemptOutcome::kRetracted},
    };
    AttemptOutcome outcome = AttemptOutcome::kFailed;
    for (const auto& [state, o] : kOutcomeOf) {
      if (state == to) outcome = o;
    }
    AttemptRecord rec = DecisionRecord(*d, now, outcome, reason);
    if (to == DeliveryState::kRetracted) {
      rec.action = AttemptAction::kRetract;
      rec.number = d->retract_attempts;
    }
    if (to == DeliveryState::kPublished || to == DeliveryState::kRetracted) {
      rec.remote_id = remote_id.empty() ? d->remote_id : remote_id;
      rec.remote_url = remote_url.empty() ? d->remote_url : remote_url;
    }
    InsertAttemptRow(*statements_, rec, /*decision=*/true);
    // Back to scheduled means "due now (or at due_at)": a stale retry time
    // must not hold it back. The error class describes the last failure, and
    // a delivery going out again or found published has none. Whatever call
    // a resume token continued is over.
    const bool fresh = to == DeliveryState::kScheduled || to == DeliveryState::kPublished;
    StatementCache::Lease st_lease = statements_->Get(
        "UPDATE deliveries SET state = ?, next_attempt_at = NULL, "
        "remote_id = COALESCE(?, remote_id), "
        "remote_url = COALESCE(?, remote_url), last_error = ?, "
        "error_class = CASE WHEN ? THEN NULL ELSE error_class END, "
        "retract_requested_at = CASE WHEN ? THEN NULL "
        "ELSE retract_requested_at END, "
        "retract_next_at = CASE WHEN ? THEN NULL ELSE retract_next_at END, "
        "resume_token = NULL, updated_at = ?, revision = CASE WHEN ?11 THEN "
        "(SELECT p.revision FROM posts p WHERE p.id = deliveries.post_id) "
        "ELSE revision END WHERE id = ?9 AND state = ?10");
    SQLite::Statement& st = *st_lease;
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
    // Back to scheduled: sent afresh, with the item's latest revision.
    st.bind(11, to == DeliveryState::kScheduled ? 1 : 0);
    st.exec();
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    return SqlError(what, e);
  }
}

}  // namespace loa
