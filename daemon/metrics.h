// What /metrics says (README "Metrics"): counters kept from the engine's
// events (queue/engine_events.h) and gauges the daemon reads when asked,
// rendered in the Prometheus text format 0.0.4. This file queries nothing:
// the store's and the engine's numbers come in a MetricsGauges, so a scrape
// costs one store read, made by the caller on the io thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "queue/delivery.h"
#include "queue/engine_events.h"

namespace loa {

// The numbers a scrape reads from the engine and the store at that moment.
struct MetricsGauges {
  TimePoint now{};
  // Every configured channel, so that a channel with nothing queued, never
  // paused, still has its series (0 rather than absent).
  std::vector<std::string> channels;
  // Deliveries by channel and state (Store::QueueDepths); `queue_known` is
  // false when the store could not be read, and the queue series are left
  // out rather than shown as empty.
  std::map<std::string, std::map<DeliveryState, int64_t>> queue;
  bool queue_known = true;
  std::set<std::string> paused;  // Engine::PausedChannels
  int in_flight = 0;
  size_t held_outcomes = 0;
  // When each channel's stored credential stops working, where loa knows.
  std::map<std::string, TimePoint> credential_expiry;
};

class Metrics {
 public:
  // Upper bounds of the lateness histogram, in seconds: from "on time" (the
  // timer's own delay) to an hour (a window opening, a long retry).
  static constexpr std::array<double, 12> kLatenessBuckets = {0.01, 0.05, 0.1, 0.5, 1,   5,
                                                              10,   30,   60,  300, 900, 3600};

  // Counts one event. Thread-safe (the engine calls it on the io thread; a
  // scrape may come from another).
  void OnEvent(const EngineEvent& event);
  // The whole exposition, every family with its HELP and TYPE once.
  std::string Render(const MetricsGauges& gauges) const;

 private:
  // channel, action, outcome
  using AttemptKey = std::tuple<std::string, std::string, std::string>;
  struct Histogram {
    std::array<uint64_t, kLatenessBuckets.size()> buckets{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<AttemptKey, uint64_t> attempts_;
  std::map<std::string, Histogram> lateness_;  // by channel
  std::map<std::string, TimePoint> last_success_;
};

// `value` for a label value in the text format: backslash, double quote and
// line feed escaped (\\, \", \n).
std::string EscapeLabelValue(std::string_view value);

}  // namespace loa
