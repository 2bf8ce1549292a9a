#include "queue/token_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <utility>

#include "queue/sqlite_store.h"

namespace loa {

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::filesystem::path& db_path) {
  return Open(db_path, Options{});
}

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::filesystem::path& db_path,
                                                     const Options& options) {
  // The queue owns the schema: opening it creates the file and runs the
  // migrations that make oauth_tokens, whichever of the two opens first.
  auto store = SqliteStore::Open(db_path);
  if (!store.ok()) return Error{store.error()};
  store->reset();

  const std::string where = "the queue database " + db_path.string();
  try {
    auto db = std::make_unique<SQLite::Database>(db_path.string(), SQLite::OPEN_READWRITE,
                                                 static_cast<int>(options.busy_timeout.count()));
    // SqliteStore::Open made the file WAL (a property of the file); FULL is per
    // connection and is what makes a commit survive a power cut.
    db->exec("PRAGMA synchronous = FULL");
    SQLite::Statement table(*db,
                            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                            "'oauth_tokens'");
    if (!table.executeStep()) {
      return Error{where + " has no oauth_tokens table: it needs schema version 2 or later"};
    }
    return std::unique_ptr<TokenStore>(new TokenStore(std::move(db), where));
  } catch (const std::exception& e) {
    return Error{"cannot open " + where + " for OAuth tokens: " + e.what()};
  }
}

TokenStore::TokenStore(std::unique_ptr<SQLite::Database> db, std::string where)
    : db_(std::move(db)), where_(std::move(where)) {}

TokenStore::~TokenStore() = default;

Result<std::optional<TokenPair>> TokenStore::Load(const std::string& channel) {
  std::lock_guard lock(mu_);
  try {
    SQLite::Statement st(*db_,
                         "SELECT access_token, refresh_token, access_expires_at, updated_at "
                         "FROM oauth_tokens WHERE channel = ?");
    st.bind(1, channel);
    if (!st.executeStep()) return std::optional<TokenPair>();
    TokenPair pair;
    pair.access_token = st.getColumn(0).getString();
    pair.refresh_token = st.getColumn(1).getString();
    pair.access_expires_at = FromUnixMillis(st.getColumn(2).getInt64());
    pair.obtained_at = FromUnixMillis(st.getColumn(3).getInt64());
    return std::optional<TokenPair>(std::move(pair));
  } catch (const std::exception& e) {
    return Error{"cannot read the OAuth tokens of channel " + channel + " from " + where_ + ": " +
                 e.what()};
  }
}

Status TokenStore::Save(const std::string& channel, const TokenPair& pair) {
  std::lock_guard lock(mu_);
  try {
    SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement st(
        *db_,
        "INSERT INTO oauth_tokens (channel, access_token, refresh_token, "
        "access_expires_at, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (channel) DO UPDATE SET access_token = excluded.access_token, "
        "refresh_token = excluded.refresh_token, "
        "access_expires_at = excluded.access_expires_at, "
        "updated_at = excluded.updated_at");
    st.bind(1, channel);
    st.bind(2, pair.access_token);
    st.bind(3, pair.refresh_token);
    st.bind(4, static_cast<int64_t>(ToUnixMillis(pair.access_expires_at)));
    st.bind(5, static_cast<int64_t>(ToUnixMillis(pair.obtained_at)));
    st.exec();
    tx.commit();
    return Ok{};
  } catch (const std::exception& e) {
    // SQLite's messages name the failure ("database is locked"), never the
    // bound values.
    return Error{"cannot store the OAuth tokens of channel " + channel + " in " + where_ + ": " +
                 e.what()};
  }
}

}  // namespace loa
