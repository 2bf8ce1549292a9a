// The queue database's schema and its forward migrations (queue/sqlite_store.cc
// runs them when it opens the file).
#pragma once

#include <string>

#include "base/result.h"

namespace SQLite {
class Database;
}

namespace loa {

// PRAGMA user_version: the schema version the file is at.
int UserVersion(SQLite::Database& db);
// Brings the schema up to Store::kSchemaVersion, one migration per
// transaction; `where` names the file in messages. Refuses a file made by a
// newer loa.
Status Migrate(SQLite::Database& db, const std::string& where);

}  // namespace loa
