// The durable queue: posts, deliveries and attempts in one SQLite file
// (WAL, synchronous=FULL). Every method is one transaction; a state change
// is on disk before the method returns. Not thread-safe: the engine calls it
// from one thread.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "inbox/item.h"
#include "queue/delivery.h"

namespace SQLite {
class Database;
}

namespace loa {

struct UpsertOutcome {
  bool existed = false;  // a post with this id was already known
  // The same item as stored (a repeated drop, or the source taken again
  // after a crash before it left the inbox): nothing was changed.
  bool unchanged = false;
  std::vector<std::string> scheduled;  // channels (re)scheduled by this call
  std::vector<std::string> cancelled;  // channels dropped from the item, now cancelled
  std::vector<std::string> kept;       // published/sending/uncertain: left untouched
};

// A scheduled delivery a retract instruction cancelled, with the attempt row
// that records it (for the delivery log).
struct CancelledDelivery {
  Delivery delivery;
  AttemptRecord record;
};

// An attempt row with what its deliveries.jsonl line names.
struct AttemptRow {
  int64_t seq = 0;  // the row id: attempts are numbered in commit order
  std::string post_id;
  std::string channel;
  AttemptRecord record;
};

struct RetractOutcome {
  // Published: the takedown is now pending; the engine carries it out.
  std::vector<Delivery> marked;
  // Sending or uncertain: the takedown is pending too, and is carried out if
  // the delivery turns out published.
  std::vector<Delivery> awaiting;
  // Scheduled: cancelled before it went out.
  std::vector<CancelledDelivery> cancelled;
  // Failed, cancelled or already retracted: nothing on the channel to take down.
  std::vector<Delivery> not_published;
  // Channels named that the post has no delivery on.
  std::vector<std::string> unknown_channels;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 3;

  // Opens or creates the database and runs forward migrations.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& path);
  ~Store();

  int SchemaVersion();
  // The value of a pragma on this connection ("journal_mode", "synchronous",
  // "foreign_keys", ...), for health checks and tests. Names are [a-z_]+.
  Result<std::string> Pragma(const std::string& name);

  // Stores the item and one delivery per channel, due at item.DueAt(channel).
  // When the id is known, deliveries not yet published are replaced
  // (scheduled again with attempts reset); published, sending and uncertain
  // ones are kept and reported; channels no longer named are cancelled.
  Result<UpsertOutcome> UpsertPost(const Item& item, TimePoint now);
  Result<Item> GetPost(const std::string& id);

  std::optional<Delivery> GetDelivery(int64_t id);
  std::vector<Delivery> ListDeliveries(const std::string& post_id = "");
  // The reads the engine plans with return an error when the database cannot
  // be read, so that a failed read never looks like "nothing due".
  Result<std::vector<Delivery>> InState(DeliveryState state);
  // The scheduled delivery of `channel` with the earliest EffectiveDue (ties: lowest id).
  Result<std::optional<Delivery>> NextScheduled(const std::string& channel);
  // started_at of the channel's latest attempt (for min_interval).
  Result<std::optional<TimePoint>> LastAttemptStart(const std::string& channel);
  std::vector<AttemptRecord> ListAttempts(int64_t delivery_id);
  // Up to `limit` attempt rows with a seq above `after_seq`, in commit order
  // (what deliveries.jsonl still lacks; see DeliveryLog::CatchUp).
  Result<std::vector<AttemptRow>> AttemptsAfter(int64_t after_seq, int limit);
  // The seq of the latest attempt row (0 when there is none).
  Result<int64_t> LastAttemptSeq();
  // Whether FinishAttempt/FinishRetract could still accept `record` given
  // the delivery's state now: false once something else settled it.
  Result<bool> StillRecordable(const AttemptRecord& record);

  // scheduled -> sending, attempts + 1. Fails unless the delivery is scheduled.
  Result<Delivery> BeginAttempt(int64_t delivery_id, TimePoint now);
  // Records the attempt row and moves the delivery to record.new_state with
  // remote id/url, error and next_attempt_at. Allowed from `sending`, and
  // from `scheduled` for missed/cancelled decisions. A "retry" whose
  // error_class is "auth" (an auth pause) gives the try back: attempts - 1.
  Status FinishAttempt(const AttemptRecord& record);
  // Carries out a retract instruction for `channels` of the post, in one
  // transaction (see RetractOutcome). Asking again for a takedown already
  // pending starts it afresh: due now, tries counted from 1.
  Result<RetractOutcome> RequestRetract(const std::string& post_id,
                                        const std::vector<std::string>& channels, TimePoint now);
  // The published delivery of `channel` whose pending takedown has the
  // earliest RetractDue (ties: lowest id).
  Result<std::optional<Delivery>> NextRetract(const std::string& channel);
  // Records a takedown try (record.action == kRetract) of a published
  // delivery with a takedown pending: "retracted" moves it to retracted;
  // "retry" keeps it published and pending until record.next_attempt_at;
  // "failed" keeps it published and settles the request. new_state must be
  // retracted or published accordingly.
  Status FinishRetract(const AttemptRecord& record);

  // Moves one delivery to `to` without an attempt row (operator actions,
  // reconciliation). Fails unless it is in `from`.
  Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                    const std::string& reason, TimePoint now);
  // As above, also recording where the post is when `to` is published
  // (reconciliation found it); an empty remote_id/remote_url keeps the stored one.
  Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                    const std::string& reason, TimePoint now, const std::string& remote_id,
                    const std::string& remote_url);

  // Runs SQL on this connection. Only for tests that bring store faults
  // about on the daemon's own connection (PRAGMA max_page_count: a full disk).
  Status ExecForTest(const std::string& sql);

 private:
  explicit Store(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace loa
