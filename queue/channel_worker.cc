#include "queue/channel_worker.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "base/log.h"

namespace loa {

// Shared between the worker thread and its owner, so that a thread given up
// on can still finish its call safely after the owner is gone.
struct ChannelWorker::State {
  explicit State(asio::io_context& io_context) : io(io_context) {}
  asio::io_context& io;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  bool stop = false;      // the thread leaves its loop
  bool orphaned = false;  // the owner is going away: never touch `io` again
  int idle = 0;           // threads waiting for a job
  int exited = 0;         // threads that left their loop
  int max_threads = 1;
};

namespace {
// How long the destructor waits for a call under way when RequestStop() was
// not called first.
constexpr Millis kDefaultGrace = std::chrono::seconds(2);
}  // namespace

ChannelWorker::ChannelWorker(asio::io_context& io, std::string channel, int max_threads)
    : state_(std::make_shared<State>(io)), channel_(std::move(channel)) {
  state_->max_threads = std::max(1, max_threads);
  threads_.emplace_back(&ChannelWorker::Loop, state_);
}

void ChannelWorker::Submit(Job job) {
  bool start_thread = false;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stop) return;
    state_->jobs.push_back(std::move(job));
    // Every waiting thread will take one of the queued jobs; a job beyond
    // them gets a thread of its own, up to the concurrency.
    start_thread = static_cast<int>(state_->jobs.size()) > state_->idle &&
                   static_cast<int>(threads_.size()) < state_->max_threads;
  }
  if (start_thread) threads_.emplace_back(&ChannelWorker::Loop, state_);
  state_->cv.notify_one();
}

void ChannelWorker::SetMaxThreads(int max_threads) {
  std::lock_guard lock(state_->mu);
  state_->max_threads = std::max(1, max_threads);
}

void ChannelWorker::RequestStop(Millis grace) {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
    state_->orphaned = true;
    state_->jobs.clear();
  }
  state_->cv.notify_all();
  deadline_ = std::chrono::steady_clock::now() + grace;
  stop_requested_ = true;
}

ChannelWorker::~ChannelWorker() {
  if (!stop_requested_) RequestStop(kDefaultGrace);
  const int started = static_cast<int>(threads_.size());
  bool exited;
  {
    std::unique_lock lock(state_->mu);
    exited = state_->cv.wait_until(lock, deadline_, [&] { return state_->exited == started; });
  }
  if (exited) {
    for (std::thread& t : threads_) t.join();
    return;
  }
  // A connector call that hangs (a dead NFS mount under a file channel, a
  // platform that never answers past the HTTP timeout) must not keep the
  // daemon from exiting: systemd would SIGKILL it anyway. Its delivery is
  // still `sending` in the store and is reconciled at the next start, so
  // abandoning the thread loses nothing. The thread owns what it touches
  // (State, the connector and the item are held by shared_ptr) and, being
  // orphaned, never posts to the io_context again.
  LogWarning("channel " + channel_ +
             ": a connector call is still running at shutdown; left behind");
  for (std::thread& t : threads_) t.detach();
}

void ChannelWorker::Loop(std::shared_ptr<State> state) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(state->mu);
      ++state->idle;
      state->cv.wait(lock, [&] { return state->stop || !state->jobs.empty(); });
      --state->idle;
      if (state->stop) break;
      job = std::move(state->jobs.front());
      state->jobs.pop_front();
    }
    std::function<void()> done = job();
    job = nullptr;
    std::lock_guard lock(state->mu);
    // Under the lock: the owner cannot finish orphaning us (and then let the
    // io_context go) between this check and the post.
    if (!state->orphaned) asio::post(state->io, std::move(done));
  }
  std::lock_guard lock(state->mu);
  ++state->exited;
  state->cv.notify_all();
}

}  // namespace loa
