#include "queue/write_transaction.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <stdexcept>

namespace loa {

WriteTransaction::WriteTransaction(SQLite::Database& db, bool in_group) : db_(db) {
  const bool open = sqlite3_get_autocommit(db_.getHandle()) == 0;
  if (in_group && !open) {
    throw std::runtime_error(
        "an earlier write of this group failed and the store undid the whole group");
  }
  savepoint_ = open;
  db_.exec(savepoint_ ? "SAVEPOINT write" : "BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    if (!savepoint_) {
      db_.exec("ROLLBACK");
    } else if (sqlite3_get_autocommit(db_.getHandle()) == 0) {
      // Undoes this write's changes and forgets the savepoint; the group's
      // transaction goes on.
      db_.exec("ROLLBACK TO write");
      db_.exec("RELEASE write");
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo with
  }
}

void WriteTransaction::commit() {
  db_.exec(savepoint_ ? "RELEASE write" : "COMMIT");
  done_ = true;
}

}  // namespace loa
