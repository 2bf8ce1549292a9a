// Takes the items the inbox watcher hands over without ever reading their
// files on the io thread: one worker thread prepares them (reads, checks,
// copies and hashes media: PrepareItem) in the order they were offered and
// hands them back in small batches; each batch is committed on the io
// thread, where the store lives, in one transaction (CommitItems). A 200 MB
// video then costs the io thread nothing but the commit, and ten thousand
// items dropped at once cost a few hundred commits, not ten thousand.
// docs/design.md, "Threads" and "Grouped commits".
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/asio.h"
#include "daemon/ingest.h"
#include "daemon/ingest_prepare.h"

namespace loa {

namespace fs = std::filesystem;

class IngestWorker {
 public:
  // Called on the io thread after each commit (not for abandoned items).
  using ResultHandler = std::function<void(const IngestResult&)>;

  // Items waiting beyond one under way; more are refused and stay in the
  // inbox (the watcher offers them again at its next look).
  static constexpr size_t kMaxQueued = 1000;
  // Items handed to the worker thread at a time: their options are read
  // then (the config, `now`), so a reload reaches items soon.
  static constexpr size_t kHandOff = 128;
  // The worker hands back what it prepared at least this often, so a large
  // copy does not hold back the small items prepared before it.
  static constexpr Millis kBatchTime = std::chrono::milliseconds(20);

  IngestWorker(asio::io_context& io, IngestContext context, ResultHandler on_result,
               size_t max_queued = kMaxQueued);
  // Abandons a prepare under way (its source stays in the inbox, its half
  // copy is a temporary file that is removed) and joins the thread.
  ~IngestWorker();
  IngestWorker(const IngestWorker&) = delete;
  IngestWorker& operator=(const IngestWorker&) = delete;

  // io thread. Queues the item at `path`. An item offered again before it
  // was committed is taken once more after it, if it is still in the inbox
  // then (it was dropped again meanwhile). False when stopped or the queue
  // is full: the item stays in the inbox.
  bool Offer(const fs::path& path);

  // io thread. Takes no more items and abandons the one under way: nothing
  // more is committed. The inbox keeps every item not committed yet.
  void Stop();

  // io thread. A reload's config: items are parsed and committed with it
  // from the next ones handed over (the worker thread only sees copies).
  void SetConfig(const Config* config) { ctx_.config = config; }

  // io thread: items offered and not committed yet (queued or under way).
  size_t PendingCount() const { return queue_.size() + handed_.size(); }

 private:
  struct Job {
    fs::path path;
    PrepareOptions options;
  };

  void HandOff();                                       // io thread
  void Run();                                           // the worker thread
  void OnPrepared(std::vector<PreparedItem> prepared);  // io thread

  asio::io_context& io_;
  IngestContext ctx_;
  ResultHandler on_result_;
  size_t max_queued_;

  // io thread only.
  std::deque<fs::path> queue_;  // offered, not handed to the worker yet
  std::set<fs::path> handed_;   // handed to the worker, not committed yet
  std::set<fs::path> again_;    // offered again while queued or handed
  bool stopping_ = false;
  bool warned_full_ = false;

  // Shared with the worker thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;  // guarded by mu_
  bool quit_ = false;     // guarded by mu_
  std::atomic<bool> cancel_{false};

  // Guards the posted completions that outlive this object.
  std::shared_ptr<bool> alive_;
  std::weak_ptr<bool> alive_weak_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace loa
