// The durable queue: posts, deliveries and attempts, behind an interface
// (Store) so that the engine and ingest do not depend on how it is kept.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "base/time.h"
#include "inbox/item.h"
#include "queue/delivery.h"

namespace loa {

struct UpsertOutcome {
  bool existed = false;  // a post with this id was already known
  // The same item as stored (a repeated drop, or the source taken again
  // after a crash before it left the inbox): nothing was changed.
  bool unchanged = false;
  std::vector<std::string> scheduled;  // channels (re)scheduled by this call
  std::vector<std::string> cancelled;  // channels dropped from the item, now cancelled
  // Published, sending, uncertain, or scheduled with a resume token (the
  // channel has the post, not finished): left untouched.
  std::vector<std::string> kept;
  // The kept deliveries as they are (state, the revision they carry, link),
  // in the order of `kept`: what a correction's note names.
  std::vector<Delivery> kept_deliveries;
  // The item's revision after this call (1 when first accepted, + 1 per
  // accepted change; unchanged: the stored one).
  int revision = 0;
};

// Where an accepted drop came from, kept with its revision.
struct DropSource {
  // The name as dropped, escaped for display (ShowName in inbox/inbox_file.h);
  // "" when not known (a test, the benchmark).
  std::string file;
};

// One accepted drop of an item (Store::ListRevisions).
struct ItemRevision {
  int revision = 0;
  TimePoint accepted_at{};
  std::string file;    // DropSource::file; "" when not known
  std::string sha256;  // lower-case hex SHA-256 of item_json
  std::string approved_by;
  std::string title;
  std::string form;  // "" when the item gives none
  std::string unit;  // "" when the item gives none
  std::vector<std::string> topics;
  // The item as stored (ItemToJson, media hashes included).
  std::string item_json;
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
  // The revision of the item the row was about (the one its delivery
  // carries, see Store::UpsertPost) and that revision's title; 0 and "" in
  // rows not read from a store.
  int revision = 0;
  std::string title;
};

struct RetractOutcome {
  // Published: the takedown is now pending; the engine carries it out.
  std::vector<Delivery> marked;
  // Sending, uncertain, or scheduled with a resume token: the takedown is
  // pending too, and is carried out if the delivery turns out published.
  std::vector<Delivery> awaiting;
  // Scheduled: cancelled before it went out.
  std::vector<CancelledDelivery> cancelled;
  // Failed, cancelled or already retracted: nothing on the channel to take down.
  std::vector<Delivery> not_published;
  // Channels named that the post has no delivery on.
  std::vector<std::string> unknown_channels;
};

// Which deliveries a control API listing wants (Store::FindDeliveries).
struct DeliveryFilter {
  std::string channel;                // "" for every channel
  std::vector<DeliveryState> states;  // at least one
  std::optional<TimePoint> due_from;  // due_at >= due_from
  std::optional<TimePoint> due_to;    // due_at < due_to
  // updated_at >= changed_from: what came to its state lately, whenever it
  // was due (a delivery failed today that was due last month).
  std::optional<TimePoint> changed_from;
  int limit = 1000;  // at most this many rows
};

// A delivery with the title of its item, for listings.
struct DeliveryListing {
  Delivery delivery;
  std::string title;
};

// What a channel's history says lately (the control API's status), from
// loa's own rows: an operator's decision is not something the channel did.
struct ChannelLast {
  std::optional<TimePoint> success_at;  // the latest row that published
  std::optional<TimePoint> failure_at;  // the latest row that failed, will retry, or is uncertain
  std::string failure_error;
};

// A delivery that settled in a report's period, with what it carried.
struct SettledDelivery {
  Delivery delivery;  // as it is now
  // The row that settled it: its outcome (published, failed, missed,
  // uncertain), when it ended, and its error text ("" when published).
  AttemptOutcome outcome = AttemptOutcome::kPublished;
  TimePoint settled_at{};
  std::string error;
  // What the delivery carries: the item's title, form, unit and topics as
  // they were in the revision it was sent with.
  int revision = 0;
  std::string title;
  std::string form;  // "" when the item gives none
  std::string unit;  // "" when the item gives none
  std::vector<std::string> topics;
};

// The stored revision of an item: 1 when first accepted, + 1 per replacement.
struct PostRevision {
  int revision = 0;
  TimePoint created_at{};
  TimePoint updated_at{};
};

// The queue's durable record, as the engine and ingest see it. One
// implementation keeps it in SQLite (queue/sqlite_store.h); tests wrap it to
// bring store faults about. Every method is one transaction: a state change
// is on disk before the method returns. Not thread-safe: one thread calls it.
//
// Errors carry a code (base/result.h): kNotFound for an id the store does not
// know, kInvalid for a move the state machine does not allow, kBusy / kFull /
// kIOError / kCorruption from the database. A read that fails is an error,
// never an empty answer, so "the database cannot be read" never looks like
// "nothing due".
//
// Every state change writes its attempt row (deliveries.jsonl is a projection
// of those rows, see queue/delivery_log.h), except scheduled -> sending,
// which BeginAttempt records as the delivery's state alone: the try's row
// comes with its outcome.
class Store {
 public:
  // v4: resume tokens (Outcome::Pending) and "pending" attempt rows.
  // v5: the actor of each attempt row (loa or an operator).
  // v6: revisions: every accepted drop of an item, and the revision each
  // delivery carries and each attempt row was about.
  // v7: each channel's latest request, success and failure kept as rows are
  // written; settling rows indexed by their end (cost independent of history).
  static constexpr int kSchemaVersion = 7;

  virtual ~Store() = default;

  // Grouped commits: the writes between BeginGroup and EndGroup share one
  // transaction and one sync, so none of them is durable before EndGroup
  // returns Ok; what is acted on after a write of the group (a request
  // sent, a log line written) waits for it. A write of the group that fails
  // undoes only itself. EndGroup's error means every write of the group is
  // undone. Groups do not nest; reads in a group see its writes.
  virtual Status BeginGroup() = 0;
  virtual Status EndGroup() = 0;

  // Stores the item and one delivery per channel, due at item.DueAt(channel).
  // When the id is known, deliveries not yet out are replaced (scheduled
  // again with attempts reset); published, sending and uncertain ones, and
  // scheduled ones holding a resume token (the channel has the post, not
  // finished), are kept and reported; channels no longer named are cancelled.
  // Every accepted change is a new revision of the item (kept with `source`,
  // its content hash and the item as stored); the deliveries (re)scheduled
  // carry it, the kept ones keep the revision they carried. The same item
  // again (UpsertOutcome::unchanged) is no new revision.
  virtual Result<UpsertOutcome> UpsertPost(const Item& item, TimePoint now,
                                           const DropSource& source) = 0;
  Result<UpsertOutcome> UpsertPost(const Item& item, TimePoint now) {
    return UpsertPost(item, now, DropSource{});
  }
  // kNotFound when no item has this id.
  virtual Result<Item> GetPost(const std::string& id) = 0;
  // The item as revision `revision` of it was accepted: what a delivery
  // carrying that revision sends. kNotFound when there is no such revision.
  virtual Result<Item> GetPostRevisionItem(const std::string& id, int revision) = 0;

  // kNotFound when no delivery has this id.
  virtual Result<Delivery> GetDelivery(int64_t id) = 0;
  // Every delivery (of one post when post_id is not empty), by id.
  virtual Result<std::vector<Delivery>> ListDeliveries(const std::string& post_id = "") = 0;
  virtual Result<std::vector<Delivery>> InState(DeliveryState state) = 0;
  // The scheduled delivery of `channel` with the earliest EffectiveDue (ties: lowest id).
  virtual Result<std::optional<Delivery>> NextScheduled(const std::string& channel) = 0;
  // started_at of the channel's latest request (for min_interval): rows of
  // decisions taken without a request do not count.
  virtual Result<std::optional<TimePoint>> LastAttemptStart(const std::string& channel) = 0;
  virtual Result<std::vector<AttemptRecord>> ListAttempts(int64_t delivery_id) = 0;
  // Up to `limit` attempt rows with a seq above `after_seq`, in commit order
  // (what deliveries.jsonl still lacks; see DeliveryLog::CatchUp).
  virtual Result<std::vector<AttemptRow>> AttemptsAfter(int64_t after_seq, int limit) = 0;
  // The seq of the latest attempt row (0 when there is none).
  virtual Result<int64_t> LastAttemptSeq() = 0;
  // Whether FinishAttempt could still accept `record` given the delivery's
  // state now: false once something else settled it.
  virtual Result<bool> StillRecordable(const AttemptRecord& record) = 0;

  // scheduled -> sending, attempts + 1. kInvalid unless the delivery is scheduled.
  virtual Result<Delivery> BeginAttempt(int64_t delivery_id, TimePoint now) = 0;
  // Records the attempt row and moves the delivery to record.new_state().
  // Publishing (action kPublish): allowed from `sending`, and from
  // `scheduled` for missed/cancelled decisions, and from `uncertain` for a
  // look again (AttemptRecord::look); stores remote id/url, error,
  // next_attempt_at (a retry's, or the next look's while uncertain) and the
  // resume token (cleared by any outcome but pending); a try given back
  // (AttemptRecord::GivesTryBack) is not counted.
  // Takedown (kRetract): allowed for a published delivery with a takedown
  // pending; retracted moves it to retracted, retry keeps it pending until
  // record.next_attempt_at, failed settles the request.
  virtual Status FinishAttempt(const AttemptRecord& record) = 0;
  // Carries out a retract instruction for `channels` of the post, in one
  // transaction (see RetractOutcome). Asking again for a takedown already
  // pending starts it afresh: due now, tries counted from 1.
  virtual Result<RetractOutcome> RequestRetract(const std::string& post_id,
                                                const std::vector<std::string>& channels,
                                                TimePoint now) = 0;
  // The published delivery of `channel` whose pending takedown has the
  // earliest RetractDue (ties: lowest id).
  virtual Result<std::optional<Delivery>> NextRetract(const std::string& channel) = 0;

  // Moves one delivery from `from` to `to` outside a try (reconciliation,
  // operator decisions), with an attempt row whose outcome leads to `to`
  // (StateAfter) and whose error is `reason`. With `to` published, records
  // where the post is (empty keeps the stored one). kInvalid unless the move
  // is allowed and the delivery is in `from`.
  virtual Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                            const std::string& reason, TimePoint now, const std::string& remote_id,
                            const std::string& remote_url) = 0;
  Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                    const std::string& reason, TimePoint now) {
    return Transition(delivery_id, from, to, reason, now, "", "");
  }

  // Operator decisions (Engine::OperatorRetry and the others; the moves and
  // why each is safe: docs/design.md "Operator decisions").
  enum class OperatorAction {
    // failed / cancelled / uncertain, or scheduled waiting for a retry (no
    // resume token) -> scheduled, due now (or at its due time if that is
    // still ahead), tries counted afresh.
    kRetry,
    kCancel,      // scheduled without a resume token -> cancelled
    kReschedule,  // scheduled without a resume token: due at `due`, no retry wait
    kResolve,     // uncertain -> published at `url`, or -> failed
  };
  struct OperatorDecision {
    OperatorAction action = OperatorAction::kRetry;
    std::string post_id;
    // "": every delivery of the item the action applies to.
    std::string channel;
    TimePoint due{};         // kReschedule
    bool published = false;  // kResolve
    std::string url;         // kResolve, published: where it is ("" keeps the stored one)
    // The zone the rows' texts give times in (the config's), as the
    // operator reads them in `loa show`.
    TimeZone zone;
  };
  // One delivery the decision moved: as it was, as it is, and its row.
  struct OperatorChange {
    Delivery before;
    Delivery after;
    AttemptRecord record;
  };
  // Carries out `decision` in one transaction: each delivery it applies to
  // moves with an attempt row whose actor is the operator (a decision: no
  // request). A delivery `sending`, or holding a resume token, is never
  // touched. kNotFound: no such item, or it has no delivery on `channel`;
  // kInvalid: none of the deliveries named is in a state the action applies
  // to (the message names the states it needs), or the decision is malformed.
  virtual Result<std::vector<OperatorChange>> DecideAsOperator(const OperatorDecision& decision,
                                                               TimePoint now) = 0;

  // Metrics reads
  // How many deliveries each channel has in each state (states without one
  // are absent), for /metrics (daemon/metrics.h).
  virtual Result<std::map<std::string, std::map<DeliveryState, int64_t>>> QueueDepths() = 0;

  // Control API reads (daemon/control_api.h), each answered from an index.
  // Queue depth per channel and state: QueueDepths() above.
  // The deliveries `filter` asks for, by due_at then id, at most filter.limit.
  virtual Result<std::vector<DeliveryListing>> FindDeliveries(const DeliveryFilter& filter) = 0;
  virtual Result<ChannelLast> LastOutcomes(const std::string& channel) = 0;
  // A delivery's attempt rows in commit order, with their seq.
  virtual Result<std::vector<AttemptRow>> AttemptRows(int64_t delivery_id) = 0;
  // kNotFound when no item has this id.
  virtual Result<PostRevision> GetPostRevision(const std::string& id) = 0;
  // Every revision of the item, oldest first; empty when no item has this id.
  virtual Result<std::vector<ItemRevision>> ListRevisions(const std::string& post_id) = 0;

  // Report reads (daemon/report.h)
  // Deliveries now published, failed or uncertain whose latest settling
  // publish row (published, failed, missed, uncertain; loa's or an
  // operator's) ended in [from, to), by that time then delivery id.
  virtual Result<std::vector<SettledDelivery>> SettledBetween(TimePoint from, TimePoint to) = 0;
  // The same, only the `limit` that settled last, newest first: what a page
  // that lists recent outcomes needs, at a cost that does not grow with
  // how much settled in the period (the status page reads it every few
  // seconds in a busy hour).
  virtual Result<std::vector<SettledDelivery>> LatestSettled(TimePoint from, TimePoint to,
                                                             size_t limit) = 0;
};

}  // namespace loa
