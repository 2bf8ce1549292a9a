// One store write's transaction. Alone it is BEGIN IMMEDIATE ... COMMIT, so
// the write is durable when its method returns. Inside a group of writes
// (Store::BeginGroup) it is a savepoint of the group's transaction: a write
// that fails undoes only itself, and the group's commit makes every write
// of the group durable with one sync (docs/design.md "Grouped commits").
#pragma once

#include <string>

namespace loa {

class StatementCache;

class WriteTransaction {
 public:
  // `in_group`: the store opened a group. Throws (like SQLite::Transaction)
  // when the transaction cannot start, and when the group's transaction is
  // gone (SQLite undid it after an I/O error or a full disk): a write then
  // would commit on its own while its group is reported undone.
  WriteTransaction(StatementCache& sql, bool in_group);
  // Not committed: the write is undone (the savepoint only, in a group).
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  void commit();

 private:
  StatementCache& sql_;
  bool savepoint_ = false;
  bool done_ = false;
};

}  // namespace loa
