// Durable OAuth tokens per channel, in the queue database's oauth_tokens
// table (schema version 2). A platform that rotates single-use refresh
// tokens (Zalo) loses its grant if a new pair is lost, so Save commits with
// synchronous=FULL before it returns. Token values are secrets: they never
// appear in an error message.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "contract/token_vault.h"

namespace SQLite {
class Database;
}

namespace loa {

// Thread-safe: one SQLite connection of its own, used under a mutex.
class TokenStore : public TokenVault {
 public:
  struct Options {
    // How long a write waits for another connection's lock.
    Millis busy_timeout = std::chrono::seconds(5);
  };

  // Runs SqliteStore::Open on `db_path` first, so the schema is current (and the
  // file exists), then opens a connection of its own (WAL,
  // synchronous=FULL).
  static Result<std::unique_ptr<TokenStore>> Open(const std::filesystem::path& db_path);
  static Result<std::unique_ptr<TokenStore>> Open(const std::filesystem::path& db_path,
                                                  const Options& options);
  ~TokenStore() override;

  // The channel's pair, nullopt when none was ever saved.
  Result<std::optional<TokenPair>> Load(const std::string& channel) override;
  // Replaces the channel's pair in one transaction, committed to disk
  // before it returns.
  Status Save(const std::string& channel, const TokenPair& pair) override;

 private:
  TokenStore(std::unique_ptr<SQLite::Database> db, std::string where);

  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
  std::string where_;  // "the queue database <path>", for messages
};

}  // namespace loa
