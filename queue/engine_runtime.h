// The engine's private pieces shared by its files (queue/engine.cc,
// queue/engine_calls.cc, queue/held_outcomes.cc). Private to the engine.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/asio.h"
#include "config/config.h"
#include "contract/connector.h"
#include "queue/channel_worker.h"
#include "queue/engine.h"

namespace loa {

// When the store refused a write or a read (its lock held by another
// process, a full disk), the engine tries again after this, doubling up to
// kStoreRetryMax: soon enough that an outcome lands right after the fault
// clears, rarely enough that a long fault costs nothing. Each try waits at
// most the store's busy timeout (queue/sqlite_store.cc), so the event loop
// is never held for long.
inline constexpr Millis kStoreRetryFirst = std::chrono::milliseconds(100);
inline constexpr Millis kStoreRetryMax = std::chrono::seconds(5);
// A held outcome still refused is logged again every this many tries (about
// once a minute at kStoreRetryMax).
inline constexpr int kHeldLogEvery = 12;

// Wraps an io-thread handler so that it does nothing once the engine is gone.
// `alive` is taken on the io thread: workers never read the engine's members.
template <class F>
std::function<void()> WhileAlive(std::weak_ptr<bool> alive, F f) {
  return [alive = std::move(alive), f = std::move(f)]() mutable {
    if (alive.expired()) return;
    f();
  };
}

struct Engine::ChannelRuntime {
  ChannelRuntime(asio::io_context& io, const ChannelConfig& channel,
                 std::unique_ptr<Connector> conn)
      : config(channel),
        connector(std::move(conn)),
        worker(io, channel.name, channel.concurrency) {}

  // A copy: a reload replaces it (Engine::Reconfigure).
  ChannelConfig config;
  // Shared with the worker's jobs: a call given up on at shutdown keeps it alive.
  std::shared_ptr<Connector> connector;
  // From a reload while a call was under way: replaces `connector` once the
  // call is settled, so that one call never sees two connectors.
  std::unique_ptr<Connector> next_connector;
  // The channel left the config at a reload: it takes no more calls, and
  // its runtime goes once its call under way is settled.
  bool removed = false;
  ChannelWorker worker;
  // Publish, takedown or reconcile calls under way: up to the channel's
  // concurrency publishes at once; a takedown or a look goes alone.
  int in_flight = 0;
  // The deliveries those calls are about: an operator's decision waits until
  // a look at an uncertain one has come back (queue/engine_operator.cc).
  std::set<int64_t> under_way;
  // When the channel's last request started, on the steady clock:
  // min_interval counts from it, whatever the wall clock does. Loaded from
  // the store before the first plan (see LastRequestStart).
  std::optional<SteadyPoint> last_request;
  bool last_request_loaded = false;
  // Set while the channel's credentials are refused: nothing is sent until
  // probe_at, and then one call at a time until one succeeds.
  struct AuthPause {
    std::string message;
    TimePoint probe_at;
  };
  std::optional<AuthPause> pause;
  // A rate-limit answer holds the whole channel, not only its delivery: the
  // other calls would meet the same limit.
  std::optional<TimePoint> rate_hold_until;
};

}  // namespace loa
