#include "queue/write_transaction.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <stdexcept>

#include "queue/statement_cache.h"

namespace loa {

WriteTransaction::WriteTransaction(StatementCache& sql, bool in_group) : sql_(sql) {
  const bool open = sqlite3_get_autocommit(sql_.db().getHandle()) == 0;
  if (in_group && !open) {
    throw std::runtime_error(
        "an earlier write of this group failed and the store undid the whole group");
  }
  savepoint_ = open;
  sql_.Exec(savepoint_ ? "SAVEPOINT write" : "BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    if (!savepoint_) {
      sql_.Exec("ROLLBACK");
    } else if (sqlite3_get_autocommit(sql_.db().getHandle()) == 0) {
      // Undoes this write's changes and forgets the savepoint; the group's
      // transaction goes on.
      sql_.Exec("ROLLBACK TO write");
      sql_.Exec("RELEASE write");
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo with
  }
}

void WriteTransaction::commit() {
  sql_.Exec(savepoint_ ? "RELEASE write" : "COMMIT");
  done_ = true;
}

}  // namespace loa
