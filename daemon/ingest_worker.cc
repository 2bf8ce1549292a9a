#include "daemon/ingest_worker.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <system_error>
#include <utility>

#include "base/log.h"
#include "inbox/inbox_file.h"

namespace loa {

IngestWorker::IngestWorker(asio::io_context& io, IngestContext context, ResultHandler on_result,
                           size_t max_queued)
    : io_(io),
      ctx_(std::move(context)),
      on_result_(std::move(on_result)),
      max_queued_(max_queued),
      alive_(std::make_shared<bool>(true)),
      alive_weak_(alive_),
      thread_([this] { Run(); }) {}

IngestWorker::~IngestWorker() {
  cancel_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Completions still queued on the io context see this and do nothing.
  alive_.reset();
}

bool IngestWorker::Offer(const fs::path& path) {
  if (stopping_) return false;
  if (handed_.count(path) || std::find(queue_.begin(), queue_.end(), path) != queue_.end()) {
    again_.insert(path);
    return true;
  }
  if (PendingCount() > max_queued_) {
    if (!warned_full_) {
      warned_full_ = true;
      LogWarning("inbox: " + std::to_string(PendingCount()) + " items are waiting to be taken; " +
                 ShowName(path.filename().string()) + " and any more are taken as room is made");
    }
    return false;
  }
  warned_full_ = false;
  queue_.push_back(path);
  HandOff();
  return true;
}

void IngestWorker::Stop() {
  stopping_ = true;
  queue_.clear();
  cancel_ = true;
  std::lock_guard<std::mutex> lock(mu_);
  jobs_.clear();
}

void IngestWorker::HandOff() {
  if (stopping_ || queue_.empty() || handed_.size() >= kHandOff) return;
  // Read here, on the io thread: `now` is when the item was taken, the
  // default publish_at.
  PrepareOptions options = MakePrepareOptions(*ctx_.config, ctx_.clock->Now());
  options.cancel = &cancel_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (!queue_.empty() && handed_.size() < kHandOff) {
      handed_.insert(queue_.front());
      jobs_.push_back(Job{std::move(queue_.front()), options});
      queue_.pop_front();
    }
  }
  cv_.notify_one();
}

void IngestWorker::Run() {
  using Steady = std::chrono::steady_clock;
  std::vector<PreparedItem> batch;
  Steady::time_point batch_start{};
  for (;;) {
    Job job;
    bool last = false;  // nothing more to prepare now: hand back what is ready
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
      if (quit_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      last = jobs_.empty();
    }
    if (batch.empty()) batch_start = Steady::now();
    PreparedItem prepared;
    try {
      prepared = PrepareItem(job.path, job.options);
    } catch (const std::exception& e) {  // PrepareItem catches; memory may still run out
      prepared = PreparedItem{};
      prepared.path = job.path;
      prepared.media_error = std::string("unexpected error: ") + e.what();
    }
    batch.push_back(std::move(prepared));
    if (!last && Steady::now() - batch_start < kBatchTime) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!jobs_.empty()) continue;
    }
    asio::post(io_, [this, alive = alive_weak_, b = std::move(batch)]() mutable {
      if (alive.expired()) return;
      OnPrepared(std::move(b));
    });
    batch = {};
  }
}

void IngestWorker::OnPrepared(std::vector<PreparedItem> prepared) {
  for (const PreparedItem& p : prepared) handed_.erase(p.path);
  // Stopping: nothing more is committed. The sources are still in the inbox
  // and the next start takes them again; copied media are overwritten then.
  if (stopping_) return;
  // The worker goes on with the next items while these are committed.
  HandOff();
  std::erase_if(prepared, [](const PreparedItem& p) { return p.abandoned; });
  std::vector<IngestResult> results;
  try {
    results = CommitItems(prepared, ctx_);
  } catch (const std::exception& e) {  // CommitItems catches; this is the last guard
    LogError("inbox: taking " + std::to_string(prepared.size()) + " items failed: " + e.what() +
             "; they stay in the inbox");
  }
  for (const IngestResult& result : results) {
    if (on_result_) on_result_(result);
  }
  for (const PreparedItem& p : prepared) {
    if (!again_.erase(p.path)) continue;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(p.path, ec))) queue_.push_back(p.path);
  }
  HandOff();
}

}  // namespace loa
