// The prepared statements of one SQLite connection, kept for reuse. Parsing
// and planning a statement costs more than running most of the store's
// (a delivery's plan, its sending mark, its outcome): a perf profile of a
// burst of 5,000 deliveries put 28 % of the daemon's CPU in SQLite's parser.
// A statement is leased for one use and given back reset, so none holds a
// read transaction open between uses (which would keep the WAL from being
// checkpointed). Internal to queue/.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace loa {

class StatementCache {
 public:
  // Distinct statements kept; the store has a few dozen.
  static constexpr size_t kMaxKept = 256;

  explicit StatementCache(SQLite::Database& db);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  // One statement in use; given back, reset and unbound, when it goes.
  class Lease {
   public:
    Lease(StatementCache& cache, std::string sql, std::unique_ptr<SQLite::Statement> st);
    ~Lease();
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SQLite::Statement& operator*() const { return *st_; }
    SQLite::Statement* operator->() const { return st_.get(); }

   private:
    StatementCache* cache_;
    std::string sql_;
    std::unique_ptr<SQLite::Statement> st_;
  };

  // The statement for `sql`, prepared now only if no idle one exists (the
  // same text may be in use twice at once: a read inside a loop over rows).
  // Throws SQLite::Exception like SQLite::Statement's constructor.
  Lease Get(const std::string& sql);

  // Runs a statement that returns no rows (BEGIN, COMMIT, SAVEPOINT …).
  void Exec(const std::string& sql);

  SQLite::Database& db() { return db_; }

 private:
  void GiveBack(std::string sql, std::unique_ptr<SQLite::Statement> st);

  SQLite::Database& db_;
  std::unordered_multimap<std::string, std::unique_ptr<SQLite::Statement>> idle_;
};

}  // namespace loa
