// deliveries.jsonl: one JSON object per attempt row of the store, in commit
// order. The file is a projection of the store: lines are only ever written
// from committed rows (CatchUp), each carrying its row's "seq", so a line
// lost to a crash between the commit and the append, or to a write that
// failed, is written by the next catch-up instead.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "queue/delivery.h"
#include "queue/store.h"

namespace loa {

class DeliveryLog {
 public:
  // Finds where the file stands (the seq of its last complete line) from its
  // end, without reading it whole. Never fails: a file that cannot be opened
  // or read is tried again at every catch-up, so a broken log never stops the
  // daemon (the store is the record).
  static Result<std::unique_ptr<DeliveryLog>> Open(const std::filesystem::path& path);
  ~DeliveryLog();

  // Appends the line of every attempt row the file lacks, in seq order, and
  // syncs the file. Returns how many lines were written. After an error the
  // lines not written are tried again by the next call.
  Result<int> CatchUp(Store& store);

  // Closes the file and opens its path again (logrotate moved it away): the
  // next lines go to the file now at the path, from where the old one ended,
  // so that the history is not written again into a fresh file. A failure is
  // reported and tried again at every catch-up, like at Open.
  Status Reopen();

  // The line of one attempt row (without its newline):
  // {"ts","item","channel",["revision","title",]"attempt","outcome",
  //  ["action",]"remote_id","url","http_status","latency_ms","error",
  //  ["actor",]"seq"}; empty strings and 0 status are null;
  //  "actor":"operator" only on an operator's move; "revision" (the item's
  //  revision the row was about) and "title" (that revision's) on every row
  //  read from a store.
  static std::string FormatLine(const AttemptRow& row);

 private:
  explicit DeliveryLog(std::filesystem::path path) : path_(std::move(path)) {}
  // Opens the file and reads its watermark, if not done yet.
  Status EnsureOpen();
  Status WriteLine(const std::string& line);

  std::filesystem::path path_;
  int fd_ = -1;
  // The seq of the last line in the file; nullopt until known. A file whose
  // tail holds no seq (written by a loa before seq existed) starts at the
  // store's latest row instead of repeating the history.
  std::optional<int64_t> last_seq_;
  // The file ends in a partial line (a crash mid-write): the next write
  // starts with a newline so that its line stands alone.
  bool needs_newline_ = false;
  std::mutex mu_;
};

}  // namespace loa
