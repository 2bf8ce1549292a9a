// The SqliteStore's operator decisions (Store::DecideAsOperator): one
// transaction per decision, and each delivery it moves gets an attempt row
// marked as the operator's, so deliveries.jsonl (a projection of the rows)
// says who moved it. The moves and why none can send a post twice:
// docs/design.md "Operator decisions".
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "base/url.h"
#include "queue/sqlite_rows.h"
#include "queue/sqlite_store.h"
#include "queue/statement_cache.h"
#include "queue/write_transaction.h"

namespace loa {

namespace {

using Action = Store::OperatorAction;
using S = DeliveryState;

// Longest address an operator may record for a post: platforms' permalinks
// are far shorter, and the value goes into every report built from the log.
constexpr size_t kMaxUrlLength = 2048;
// How much of an id or channel name from the request a message repeats.
constexpr size_t kMaxNameInMessage = 120;

// A name from the request for a message: escaped and quoted (base/log.h),
// bounded.
std::string Named(const std::string& name) {
  const std::string_view shown = std::string_view(name).substr(0, kMaxNameInMessage);
  return Quoted(shown) + (shown.size() < name.size() ? "..." : "");
}

const char* Verb(Action action) {
  switch (action) {
    case Action::kRetry:
      return "retry";
    case Action::kCancel:
      return "cancel";
    case Action::kReschedule:
      return "reschedule";
    case Action::kResolve:
      return "resolve";
  }
  return "change";
}

// The states the action applies to, for the refusal.
const char* Needs(Action action) {
  switch (action) {
    case Action::kRetry:
      return "failed, cancelled or uncertain, or scheduled and waiting for a retry";
    case Action::kCancel:
    case Action::kReschedule:
      return "scheduled (and not holding a resume token: the channel already took that one)";
    case Action::kResolve:
      return "uncertain";
  }
  return "";
}

// Whether `action` applies to `d` as it is. Never to a delivery `sending`
// (its call is under way and its outcome comes back) nor to one holding a
// resume token (the channel took it and is finishing it): moving either
// could publish it twice or lose what the channel answers.
bool Applies(Action action, const Delivery& d) {
  const bool free = d.state == S::kScheduled && d.resume_token.empty();
  switch (action) {
    case Action::kRetry:
      // An uncertain delivery with a takedown waiting: the editor wants the
      // post down, so sending it again is not what anyone asked for;
      // resolving it says whether there is something to take down.
      if (d.RetractPending()) return false;
      return d.state == S::kFailed || d.state == S::kCancelled || d.state == S::kUncertain ||
             (free && d.next_attempt_at.has_value());
    case Action::kCancel:
    case Action::kReschedule:
      return free;
    case Action::kResolve:
      return d.state == S::kUncertain;
  }
  return false;
}

// "portal is scheduled (holding a resume token)": what was found instead.
std::string Found(const Delivery& d) {
  std::string text = d.channel + " is " + StateName(d.state);
  if (d.RetractPending() && d.state != S::kPublished) {
    text += " with a takedown pending";
  } else if (d.state == S::kScheduled && !d.resume_token.empty()) {
    text += " (holding a resume token)";
  } else if (d.state == S::kScheduled) {
    text += " (not waiting for a retry)";
  }
  return text;
}

// The request's own faults, before anything is read.
std::string Malformed(const Store::OperatorDecision& decision) {
  if (decision.action != Action::kResolve) return "";
  if (!decision.published) {
    return decision.url.empty() ? "" : "an address only goes with published: true";
  }
  if (decision.url.empty()) return "";
  if (decision.url.size() > kMaxUrlLength) {
    return "url: longer than " + std::to_string(kMaxUrlLength) + " bytes";
  }
  // ParseUrl only takes http:// and https://, and never repeats the URL.
  Result<Url> url = ParseUrl(decision.url);
  if (!url.ok()) return "url: " + url.error();
  return "";
}

// The operator's row about `d`: a decision without a request, started and
// ended now, numbered with the tries so far (like missed and cancelled).
AttemptRecord OperatorRecord(const Delivery& d, TimePoint now, AttemptOutcome outcome,
                             const std::string& reason) {
  AttemptRecord rec = DecisionRecord(d, now, outcome, reason);
  rec.actor = Actor::kOperator;
  return rec;
}

// Writes the row and the delivery's new state, in the caller's transaction.
// Each UPDATE is guarded by the state read in the same transaction.
AttemptRecord Apply(StatementCache& sql, const Store::OperatorDecision& decision, const Delivery& d,
                    TimePoint now) {
  AttemptRecord rec;
  switch (decision.action) {
    case Action::kRetry: {
      // Due now, or at the item's own time if that is still ahead (a
      // delivery cancelled before it was due): a retry never sends a post
      // earlier than its editor asked. Tries start again from 0, and the
      // due time moves with them, so a first try is not "missed" for the
      // old time.
      const TimePoint due = std::max(d.due_at, now);
      rec = OperatorRecord(d, now, AttemptOutcome::kRetry,
                           std::string("retry asked by the operator (was ") + StateName(d.state) +
                               "): due " + FormatLocal(due, decision.zone) +
                               ", tries counted afresh");
      rec.next_attempt_at = due;
      // Sent afresh: with the item's latest revision (queue/sqlite_rows.h).
      StatementCache::Lease st_lease =
          sql.Get(std::string("UPDATE deliveries SET state = 'scheduled', due_at = ?, "
                              "attempts = 0, next_attempt_at = NULL, "
                              "last_error = NULL, error_class = NULL, "
                              "resume_token = NULL, updated_at = ?, ") +
                  kLatestRevision + " WHERE id = ? AND state = ?");
      SQLite::Statement& st = *st_lease;
      BindTime(st, 1, due);
      BindTime(st, 2, now);
      st.bind(3, d.id);
      st.bind(4, StateName(d.state));
      st.exec();
      break;
    }
    case Action::kCancel:
      // Nothing went out, so there is nothing for a takedown to do.
      return CancelScheduled(sql, d, now, "cancelled by the operator", Actor::kOperator);
    case Action::kReschedule: {
      // due_at itself moves (not only the wait): max_lateness counts from
      // the new time, so a delivery moved later is not missed for the old
      // one. The tries so far stay counted.
      rec = OperatorRecord(
          d, now, AttemptOutcome::kRetry,
          "rescheduled by the operator: due " + FormatLocal(decision.due, decision.zone));
      rec.next_attempt_at = decision.due;
      StatementCache::Lease st_lease =
          sql.Get(std::string("UPDATE deliveries SET due_at = ?, "
                              "next_attempt_at = NULL, updated_at = ?, ") +
                  kLatestRevision +
                  " WHERE id = ? AND state = 'scheduled' AND "
                  "resume_token IS NULL");
      SQLite::Statement& st = *st_lease;
      BindTime(st, 1, decision.due);
      BindTime(st, 2, now);
      st.bind(3, d.id);
      st.exec();
      break;
    }
    case Action::kResolve: {
      if (decision.published) {
        rec = OperatorRecord(d, now, AttemptOutcome::kPublished, "the operator found it published");
        rec.remote_id = d.remote_id;
        rec.remote_url = decision.url.empty() ? d.remote_url : decision.url;
        // A takedown asked for meanwhile stays pending: the engine carries
        // it out now that the post is known to be up.
        StatementCache::Lease st_lease = sql.Get(
            "UPDATE deliveries SET state = 'published', "
            "remote_url = COALESCE(?, remote_url), next_attempt_at = NULL, "
            "last_error = NULL, error_class = NULL, resume_token = NULL, "
            "updated_at = ? WHERE id = ? AND state = 'uncertain'");
        SQLite::Statement& st = *st_lease;
        BindText(st, 1, decision.url);
        BindTime(st, 2, now);
        st.bind(3, d.id);
        st.exec();
      } else {
        rec = OperatorRecord(d, now, AttemptOutcome::kFailed, "not published (operator)");
        // Not on the channel: a takedown waiting for it has nothing to do.
        StatementCache::Lease st_lease = sql.Get(
            "UPDATE deliveries SET state = 'failed', next_attempt_at = NULL, "
            "last_error = ?, error_class = NULL, resume_token = NULL, "
            "retract_requested_at = NULL, retract_next_at = NULL, "
            "updated_at = ? WHERE id = ? AND state = 'uncertain'");
        SQLite::Statement& st = *st_lease;
        st.bind(1, rec.error);
        BindTime(st, 2, now);
        st.bind(3, d.id);
        st.exec();
      }
      break;
    }
  }
  InsertAttemptRow(sql, rec, /*decision=*/true);
  return rec;
}

}  // namespace

Result<std::vector<Store::OperatorChange>> SqliteStore::DecideAsOperator(
    const OperatorDecision& decision, TimePoint now) {
  const std::string what = std::string("cannot ") + Verb(decision.action) + " item " +
                           Named(decision.post_id) +
                           (decision.channel.empty() ? "" : " on " + Named(decision.channel));
  if (std::string why = Malformed(decision); !why.empty()) {
    return Error{what + ": " + why, Error::Code::kInvalid};
  }
  try {
    WriteTransaction tx(*statements_, in_group_);
    StatementCache::Lease known_lease = statements_->Get("SELECT 1 FROM posts WHERE id = ?");
    SQLite::Statement& known = *known_lease;
    known.bind(1, decision.post_id);
    if (!known.executeStep()) {
      return Error{"no item named " + Named(decision.post_id), Error::Code::kNotFound};
    }
    std::vector<Delivery> named;
    std::string found;
    for (Delivery& d :
         QueryDeliveries(*statements_, "WHERE post_id = ? ORDER BY id", {decision.post_id})) {
      if (!decision.channel.empty() && d.channel != decision.channel) continue;
      if (Applies(decision.action, d)) {
        named.push_back(std::move(d));
      } else {
        found += (found.empty() ? "" : "; ") + Found(d);
      }
    }
    if (named.empty() && found.empty()) {
      return Error{"item " + Named(decision.post_id) + " has no delivery on channel " +
                       Named(decision.channel),
                   Error::Code::kNotFound};
    }
    if (named.empty()) {
      return Error{what + ": no delivery is " + Needs(decision.action) + " (" + found + ")",
                   Error::Code::kInvalid};
    }
    if (decision.action == Action::kResolve && !decision.url.empty() && named.size() > 1) {
      // One address cannot be where the post is on several channels.
      return Error{what + ": " + std::to_string(named.size()) +
                       " deliveries are uncertain; name the channel the address is on",
                   Error::Code::kInvalid};
    }
    std::vector<OperatorChange> changes;
    for (Delivery& d : named) {
      AttemptRecord rec = Apply(*statements_, decision, d, now);
      std::optional<Delivery> after = LoadDelivery(*statements_, d.id);
      changes.push_back({std::move(d), std::move(*after), std::move(rec)});
    }
    tx.commit();
    return changes;
  } catch (const std::exception& e) {
    return SqlError(what, e);
  }
}

}  // namespace loa
