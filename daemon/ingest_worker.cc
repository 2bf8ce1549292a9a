#include "daemon/ingest_worker.h"

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
  if (current_ && *current_ == path) {
    current_again_ = true;
    return true;
  }
  for (const auto& queued : queue_) {
    if (queued == path) return true;
  }
  if (queue_.size() >= max_queued_) {
    if (!warned_full_) {
      warned_full_ = true;
      LogWarning("inbox: " + std::to_string(queue_.size()) + " items are waiting to be taken; " +
                 ShowName(path.filename().string()) + " and any more are taken at a later rescan");
    }
    return false;
  }
  warned_full_ = false;
  queue_.push_back(path);
  StartNext();
  return true;
}

void IngestWorker::Stop() {
  stopping_ = true;
  queue_.clear();
  cancel_ = true;
}

void IngestWorker::StartNext() {
  if (stopping_ || current_ || queue_.empty()) return;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  current_again_ = false;
  // Read here, on the io thread: `now` is when the item was taken, the
  // default publish_at.
  Job job{*current_, MakePrepareOptions(*ctx_.config, ctx_.clock->Now())};
  job.options.cancel = &cancel_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(job);
  }
  cv_.notify_one();
}

void IngestWorker::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return quit_ || job_.has_value(); });
      if (quit_) return;
      job = std::move(*job_);
      job_.reset();
    }
    PreparedItem prepared;
    try {
      prepared = PrepareItem(job.path, job.options);
    } catch (const std::exception& e) {  // PrepareItem catches; memory may still run out
      prepared = PreparedItem{};
      prepared.path = job.path;
      prepared.media_error = std::string("unexpected error: ") + e.what();
    }
    asio::post(io_, [this, alive = alive_weak_, p = std::move(prepared)]() mutable {
      if (alive.expired()) return;
      OnPrepared(std::move(p));
    });
  }
}

void IngestWorker::OnPrepared(PreparedItem prepared) {
  current_.reset();
  // Stopping: nothing more is committed. The source is still in the inbox
  // and the next start takes it again; copied media are overwritten then.
  if (stopping_ || prepared.abandoned) return;
  try {
    IngestResult result = CommitItem(prepared, ctx_);
    if (on_result_) on_result_(result);
  } catch (const std::exception& e) {  // CommitItem catches; this is the last guard
    LogError("inbox: taking " + ShowName(prepared.path.filename().string()) +
             " failed: " + e.what());
  }
  if (current_again_) {
    current_again_ = false;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(prepared.path, ec))) queue_.push_back(prepared.path);
  }
  StartNext();
}

}  // namespace loa
