// One channel's worker threads: run its blocking connector calls, up to the
// channel's concurrency at once, in the order submitted, and hand each result
// back to the io_context thread. Threads are started as calls need them, so
// an idle channel holds one. Private to the engine.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"

namespace loa {

class ChannelWorker {
 public:
  // Runs on the worker thread; returns what must then run on the io thread.
  using Job = std::function<std::function<void()>()>;

  ChannelWorker(asio::io_context& io, std::string channel, int max_threads = 1);
  // Waits for the thread until `grace` after RequestStop() (or after now),
  // then gives up on it: see the .cc for why.
  ~ChannelWorker();
  ChannelWorker(const ChannelWorker&) = delete;
  ChannelWorker& operator=(const ChannelWorker&) = delete;

  void Submit(Job job);
  // A reload changed the channel's concurrency: threads beyond it are not
  // started any more (those running stay until the worker stops).
  void SetMaxThreads(int max_threads);
  // Drops queued jobs and stops handing results back; the call under way (if
  // any) finishes on its own. Lets several workers wind down together.
  void RequestStop(Millis grace);

 private:
  struct State;
  static void Loop(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
  std::string channel_;
  std::chrono::steady_clock::time_point deadline_;
  bool stop_requested_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace loa
