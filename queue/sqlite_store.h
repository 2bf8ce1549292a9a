// The Store kept in one SQLite file (WAL, synchronous=FULL): posts,
// deliveries and attempt rows. Reads are in queue/sqlite_store.cc, state
// changes in queue/sqlite_store_writes.cc, an operator's decisions in
// queue/sqlite_store_operator.cc, the schema in queue/store_schema.cc.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "queue/statement_cache.h"
#include "queue/store.h"

namespace SQLite {
class Database;
}

namespace loa {

class SqliteStore : public Store {
 public:
  // Opens or creates the database and runs forward migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path);
  ~SqliteStore() override;

  Result<int> SchemaVersion();
  // The value of a pragma on this connection ("journal_mode", "synchronous",
  // "foreign_keys", ...), for health checks and tests. Names are [a-z_]+.
  Result<std::string> Pragma(const std::string& name);
  // Runs SQL on this connection. Only for tests that bring store faults
  // about on the daemon's own connection (PRAGMA max_page_count: a full disk).
  Status ExecForTest(const std::string& sql);

  Status BeginGroup() override;
  Status EndGroup() override;

  using Store::UpsertPost;
  Result<UpsertOutcome> UpsertPost(const Item& item, TimePoint now,
                                   const DropSource& source) override;
  Result<Item> GetPost(const std::string& id) override;
  Result<Item> GetPostRevisionItem(const std::string& id, int revision) override;
  Result<Delivery> GetDelivery(int64_t id) override;
  Result<std::vector<Delivery>> ListDeliveries(const std::string& post_id = "") override;
  Result<std::vector<Delivery>> InState(DeliveryState state) override;
  Result<std::optional<Delivery>> NextScheduled(const std::string& channel) override;
  Result<std::optional<TimePoint>> LastAttemptStart(const std::string& channel) override;
  Result<std::vector<AttemptRecord>> ListAttempts(int64_t delivery_id) override;
  Result<std::vector<AttemptRow>> AttemptsAfter(int64_t after_seq, int limit) override;
  Result<int64_t> LastAttemptSeq() override;
  Result<bool> StillRecordable(const AttemptRecord& record) override;
  Result<Delivery> BeginAttempt(int64_t delivery_id, TimePoint now) override;
  Status FinishAttempt(const AttemptRecord& record) override;
  Result<RetractOutcome> RequestRetract(const std::string& post_id,
                                        const std::vector<std::string>& channels,
                                        TimePoint now) override;
  Result<std::optional<Delivery>> NextRetract(const std::string& channel) override;
  using Store::Transition;
  Status Transition(int64_t delivery_id, DeliveryState from, DeliveryState to,
                    const std::string& reason, TimePoint now, const std::string& remote_id,
                    const std::string& remote_url) override;
  Result<std::vector<OperatorChange>> DecideAsOperator(const OperatorDecision& decision,
                                                       TimePoint now) override;
  Result<std::map<std::string, std::map<DeliveryState, int64_t>>> QueueDepths() override;

  // Control API reads: queue/sqlite_store_reads.cc.
  Result<std::vector<DeliveryListing>> FindDeliveries(const DeliveryFilter& filter) override;
  Result<ChannelLast> LastOutcomes(const std::string& channel) override;
  Result<std::vector<AttemptRow>> AttemptRows(int64_t delivery_id) override;
  Result<PostRevision> GetPostRevision(const std::string& id) override;
  Result<std::vector<ItemRevision>> ListRevisions(const std::string& post_id) override;
  Result<std::vector<SettledDelivery>> SettledBetween(TimePoint from, TimePoint to) override;
  Result<std::vector<SettledDelivery>> LatestSettled(TimePoint from, TimePoint to,
                                                     size_t limit) override;

 private:
  explicit SqliteStore(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
  // After db_: its statements are finalized before the connection closes.
  std::unique_ptr<StatementCache> statements_;
  bool in_group_ = false;  // between BeginGroup and EndGroup
};

}  // namespace loa
