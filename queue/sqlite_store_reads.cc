// The control API's reads (queue/store.h, "Control API reads"): what
// `loa status`, `loa queue` and `loa show` ask while the daemon runs. Each is
// answered from an index (checked with EXPLAIN QUERY PLAN,
// tests/store_query_plan_test.cc): listings through the state index, a
// channel's latest outcomes from its `channel_history` row (the counts are
// QueueDepths, shared with /metrics), an item's revisions; and the report's
// period read through the settling rows' end index.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <utility>

#include "queue/sqlite_rows.h"
#include "queue/sqlite_store.h"
#include "queue/statement_cache.h"
#include "queue/store_sql.h"

namespace loa {

namespace {

// A stored topics array; an element that is not text is left out.
std::vector<std::string> TopicsFromJson(const std::string& text) {
  std::vector<std::string> out;
  auto topics = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!topics.is_array()) return out;
  for (const auto& t : topics) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

}  // namespace

std::string store_sql::DeliveriesInStateWhere(bool channel, bool due_from, bool due_to,
                                              bool changed_from) {
  // Times are stored as integers; a bound text number compares as one
  // (INTEGER column affinity), so QueryDeliveries' text parameters serve.
  std::string where = "WHERE state = ?";
  if (channel) where += " AND channel = ?";
  if (due_from) where += " AND due_at >= CAST(? AS INTEGER)";
  if (due_to) where += " AND due_at < CAST(? AS INTEGER)";
  if (changed_from) where += " AND updated_at >= CAST(? AS INTEGER)";
  return where + " ORDER BY due_at, id LIMIT CAST(? AS INTEGER)";
}

Result<std::vector<DeliveryListing>> SqliteStore::FindDeliveries(const DeliveryFilter& filter) {
  if (filter.states.empty() || filter.limit <= 0) return std::vector<DeliveryListing>();
  const std::string where =
      store_sql::DeliveriesInStateWhere(!filter.channel.empty(), filter.due_from.has_value(),
                                        filter.due_to.has_value(), filter.changed_from.has_value());
  auto by_due = [](const Delivery& a, const Delivery& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
  };
  try {
    // The first `limit` of each state, then the first `limit` of them all.
    std::vector<Delivery> found;
    std::set<DeliveryState> states(filter.states.begin(), filter.states.end());
    for (DeliveryState state : states) {
      std::vector<std::string> params = {StateName(state)};
      if (!filter.channel.empty()) params.push_back(filter.channel);
      if (filter.due_from) params.push_back(std::to_string(ToUnixMillis(*filter.due_from)));
      if (filter.due_to) params.push_back(std::to_string(ToUnixMillis(*filter.due_to)));
      if (filter.changed_from) {
        params.push_back(std::to_string(ToUnixMillis(*filter.changed_from)));
      }
      params.push_back(std::to_string(filter.limit));
      std::vector<Delivery> some = QueryDeliveries(*statements_, where, params);
      found.insert(found.end(), std::make_move_iterator(some.begin()),
                   std::make_move_iterator(some.end()));
    }
    std::sort(found.begin(), found.end(), by_due);
    if (found.size() > static_cast<size_t>(filter.limit)) found.resize(filter.limit);
    // The title of the revision each delivery carries: after a correction,
    // a channel that kept the earlier text is listed with that title
    // (with its override on that channel, if any).
    StatementCache::Lease title_lease = statements_->Get(
        std::string("SELECT COALESCE((SELECT ") + store_sql::kTitleOnChannel +
        " FROM revisions r WHERE r.post_id = d.post_id AND r.revision = d.revision), "
        "(SELECT p.title FROM posts p WHERE p.id = d.post_id), '') FROM deliveries d "
        "WHERE d.id = ?");
    SQLite::Statement& title = *title_lease;
    std::vector<DeliveryListing> out;
    out.reserve(found.size());
    for (Delivery& d : found) {
      title.reset();
      title.bind(1, d.id);
      std::string shown = title.executeStep() ? title.getColumn(0).getString() : std::string();
      out.push_back({std::move(d), std::move(shown)});
    }
    return out;
  } catch (const std::exception& e) {
    return SqlError("cannot list deliveries", e);
  }
}

Result<ChannelLast> SqliteStore::LastOutcomes(const std::string& channel) {
  // One row of `channel_history`, kept by InsertAttemptRow in the
  // transaction of each attempt row (queue/store_sql.h): only loa's rows
  // count, as an operator's retry or reschedule (a row ending `retry`) is no
  // failure of the channel, and a resolve (ending `published`) no call that
  // published.
  try {
    ChannelLast out;
    StatementCache::Lease st_lease = statements_->Get(store_sql::kChannelLast);
    SQLite::Statement& st = *st_lease;
    st.bind(1, channel);
    if (!st.executeStep()) return out;
    if (!st.getColumn(0).isNull()) out.success_at = FromUnixMillis(st.getColumn(0).getInt64());
    if (!st.getColumn(1).isNull()) {
      out.failure_at = FromUnixMillis(st.getColumn(1).getInt64());
      out.failure_error = TextOrEmpty(st.getColumn(2));
    }
    return out;
  } catch (const std::exception& e) {
    return SqlError("cannot read the latest outcomes on " + channel, e);
  }
}

Result<std::vector<AttemptRow>> SqliteStore::AttemptRows(int64_t delivery_id) {
  try {
    StatementCache::Lease st_lease =
        statements_->Get(AttemptRowsQuery(store_sql::kAttemptsOfDelivery));
    SQLite::Statement& st = *st_lease;
    st.bind(1, delivery_id);
    return ReadAttemptRows(st);
  } catch (const std::exception& e) {
    return SqlError("cannot list the attempts of delivery " + std::to_string(delivery_id), e);
  }
}

Result<PostRevision> SqliteStore::GetPostRevision(const std::string& id) {
  try {
    StatementCache::Lease st_lease =
        statements_->Get("SELECT revision, created_at, updated_at FROM posts WHERE id = ?");
    SQLite::Statement& st = *st_lease;
    st.bind(1, id);
    if (!st.executeStep()) {
      return Error{"no item with id " + Quoted(id) + " in the queue", Error::Code::kNotFound};
    }
    return PostRevision{st.getColumn(0).getInt(), FromUnixMillis(st.getColumn(1).getInt64()),
                        FromUnixMillis(st.getColumn(2).getInt64())};
  } catch (const std::exception& e) {
    return SqlError("cannot read item " + Quoted(id), e);
  }
}

Result<std::vector<ItemRevision>> SqliteStore::ListRevisions(const std::string& post_id) {
  try {
    // From the primary key (post_id, revision): an item has a handful.
    StatementCache::Lease st_lease = statements_->Get(
        "SELECT revision, accepted_at, COALESCE(file, ''), sha256, approved_by, "
        "title, COALESCE(form, ''), COALESCE(unit, ''), topics_json, item_json "
        "FROM revisions WHERE post_id = ? ORDER BY revision");
    SQLite::Statement& st = *st_lease;
    st.bind(1, post_id);
    std::vector<ItemRevision> out;
    while (st.executeStep()) {
      ItemRevision r;
      r.revision = st.getColumn(0).getInt();
      r.accepted_at = FromUnixMillis(st.getColumn(1).getInt64());
      r.file = st.getColumn(2).getString();
      r.sha256 = st.getColumn(3).getString();
      r.approved_by = st.getColumn(4).getString();
      r.title = st.getColumn(5).getString();
      r.form = st.getColumn(6).getString();
      r.unit = st.getColumn(7).getString();
      r.topics = TopicsFromJson(st.getColumn(8).getString());
      r.item_json = st.getColumn(9).getString();
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return SqlError("cannot list the revisions of item " + Quoted(post_id), e);
  }
}

namespace {

// Runs kSettledBetween or kLatestSettled (bound by the caller) and fills in
// each delivery and the revision it carries.
std::vector<SettledDelivery> ReadSettled(StatementCache& sql, SQLite::Statement& st) {
  std::vector<SettledDelivery> out;
  while (st.executeStep()) {
    SettledDelivery s;
    s.delivery.id = st.getColumn(0).getInt64();
    s.outcome = ParseAttemptOutcome(st.getColumn(1).getString()).value_or(AttemptOutcome::kFailed);
    s.settled_at = FromUnixMillis(st.getColumn(2).getInt64());
    s.error = st.getColumn(3).getString();
    out.push_back(std::move(s));
  }
  // What the delivery carries is the revision it went out with: after a
  // correction, a channel that published the first keeps its title.
  StatementCache::Lease carried_lease =
      sql.Get(std::string("SELECT ") + store_sql::kTitleOnChannel +
              ", COALESCE(r.form, ''), COALESCE(r.unit, ''), r.topics_json "
              "FROM revisions r JOIN deliveries d ON d.post_id = r.post_id "
              "WHERE d.id = ? AND r.revision = d.revision");
  SQLite::Statement& carried = *carried_lease;
  // Prepared once: a busy month has tens of thousands.
  StatementCache::Lease load_lease = sql.Get(DeliverySelect() + store_sql::kLoadDelivery);
  SQLite::Statement& load = *load_lease;
  for (SettledDelivery& s : out) {
    load.reset();
    load.bind(1, s.delivery.id);
    if (!load.executeStep()) {
      throw std::runtime_error("delivery " + std::to_string(s.delivery.id) +
                               " vanished while read");
    }
    s.delivery = ReadDelivery(load);
    s.revision = s.delivery.revision;
    carried.reset();
    carried.bind(1, s.delivery.id);
    if (!carried.executeStep()) continue;
    s.title = carried.getColumn(0).getString();
    s.form = carried.getColumn(1).getString();
    s.unit = carried.getColumn(2).getString();
    s.topics = TopicsFromJson(carried.getColumn(3).getString());
  }
  return out;
}

}  // namespace

Result<std::vector<SettledDelivery>> SqliteStore::SettledBetween(TimePoint from, TimePoint to) {
  try {
    // The settling row of each delivery is its latest publish row with a
    // settling outcome; a look again that found nothing, a retry, a pending
    // answer or a cancellation does not settle it (queue/store_sql.h).
    StatementCache::Lease st_lease = statements_->Get(store_sql::kSettledBetween);
    SQLite::Statement& st = *st_lease;
    BindTime(st, 1, from);
    BindTime(st, 2, to);
    return ReadSettled(*statements_, st);
  } catch (const std::exception& e) {
    return SqlError("cannot read the deliveries settled in a period", e);
  }
}

Result<std::vector<SettledDelivery>> SqliteStore::LatestSettled(TimePoint from, TimePoint to,
                                                                size_t limit) {
  try {
    StatementCache::Lease st_lease = statements_->Get(store_sql::kLatestSettled);
    SQLite::Statement& st = *st_lease;
    BindTime(st, 1, from);
    BindTime(st, 2, to);
    st.bind(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    return ReadSettled(*statements_, st);
  } catch (const std::exception& e) {
    return SqlError("cannot read the deliveries settled last", e);
  }
}

}  // namespace loa
