// Takes the items the inbox watcher hands over without ever reading their
// files on the io thread: one worker thread prepares them (reads, checks,
// copies and hashes media: PrepareItem), one at a time in the order they
// were offered, and each prepared item is committed back on the io thread
// (CommitItem), where the store lives. A 200 MB video then costs the io
// thread nothing but the commit. docs/design.md, "Threads".
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "base/asio.h"
#include "daemon/ingest.h"
#include "daemon/ingest_prepare.h"

namespace loa {

namespace fs = std::filesystem;

class IngestWorker {
 public:
  // Called on the io thread after each commit (not for abandoned items).
  using ResultHandler = std::function<void(const IngestResult&)>;

  // Items waiting beyond the one under way; more are left in the inbox for
  // the next rescan.
  static constexpr size_t kMaxQueued = 1000;

  IngestWorker(asio::io_context& io, IngestContext context, ResultHandler on_result,
               size_t max_queued = kMaxQueued);
  // Abandons a prepare under way (its source stays in the inbox, its half
  // copy is a temporary file that is removed) and joins the thread.
  ~IngestWorker();
  IngestWorker(const IngestWorker&) = delete;
  IngestWorker& operator=(const IngestWorker&) = delete;

  // io thread. Queues the item at `path`. An item already queued is not
  // queued twice; one under way is taken once more after it, if it is still
  // in the inbox then (it was dropped again meanwhile). False when stopped
  // or the queue is full: the item stays in the inbox.
  bool Offer(const fs::path& path);

  // io thread. Takes no more items and abandons the one under way: nothing
  // more is committed. The inbox keeps every item not committed yet.
  void Stop();

  // io thread. A reload's config: items are parsed and committed with it
  // from the next one taken (the worker thread only sees copies).
  void SetConfig(const Config* config) { ctx_.config = config; }

  // io thread: items offered and not committed yet (queued or under way).
  size_t PendingCount() const { return queue_.size() + (current_ ? 1 : 0); }

 private:
  struct Job {
    fs::path path;
    PrepareOptions options;
  };

  void StartNext();                        // io thread
  void Run();                              // the worker thread
  void OnPrepared(PreparedItem prepared);  // io thread

  asio::io_context& io_;
  IngestContext ctx_;
  ResultHandler on_result_;
  size_t max_queued_;

  // io thread only.
  std::deque<fs::path> queue_;
  std::optional<fs::path> current_;  // handed to the worker, not committed yet
  bool current_again_ = false;       // offered again while under way
  bool stopping_ = false;
  bool warned_full_ = false;

  // Shared with the worker thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Job> job_;  // guarded by mu_
  bool quit_ = false;       // guarded by mu_
  std::atomic<bool> cancel_{false};

  // Guards the posted completions that outlive this object.
  std::shared_ptr<bool> alive_;
  std::weak_ptr<bool> alive_weak_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace loa
