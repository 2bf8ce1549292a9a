#include "queue/statement_cache.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <exception>
#include <utility>

namespace loa {

StatementCache::StatementCache(SQLite::Database& db) : db_(db) {}

// Statements are finalized here, before the connection they belong to.
StatementCache::~StatementCache() = default;

StatementCache::Lease::Lease(StatementCache& cache, std::string sql,
                             std::unique_ptr<SQLite::Statement> st)
    : cache_(&cache), sql_(std::move(sql)), st_(std::move(st)) {}

StatementCache::Lease::Lease(Lease&& other) noexcept
    : cache_(other.cache_), sql_(std::move(other.sql_)), st_(std::move(other.st_)) {}

StatementCache::Lease::~Lease() {
  if (st_) cache_->GiveBack(std::move(sql_), std::move(st_));
}

StatementCache::Lease StatementCache::Get(const std::string& sql) {
  if (auto it = idle_.find(sql); it != idle_.end()) {
    std::unique_ptr<SQLite::Statement> st = std::move(it->second);
    idle_.erase(it);
    return Lease(*this, sql, std::move(st));
  }
  return Lease(*this, sql, std::make_unique<SQLite::Statement>(db_, sql));
}

void StatementCache::Exec(const std::string& sql) { Get(sql)->exec(); }

void StatementCache::GiveBack(std::string sql, std::unique_ptr<SQLite::Statement> st) {
  // A statement that cannot be reset and unbound is finalized instead:
  // the next use prepares a fresh one.
  try {
    if (st->tryReset() != SQLITE_OK) return;
    st->clearBindings();
  } catch (const std::exception&) {
    return;
  }
  if (idle_.size() >= kMaxKept) return;
  idle_.emplace(std::move(sql), std::move(st));
}

}  // namespace loa
