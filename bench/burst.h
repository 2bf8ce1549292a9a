// One measured wave of items on a running daemon: items dropped with their
// due times in the future, then the receiver's arrival times read against
// those due times, and the daemon's CPU time around the deliveries.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "bench/daemon_run.h"
#include "bench/receiver.h"

namespace loa::bench {

struct WaveSpec {
  int first_id = 0;  // item ids first_id.. (fresh per wave on one daemon)
  int items = 0;
  int channels = 0;  // deliveries per item
  // Due time of item i (0-based) after the wave's start instant.
  std::function<std::chrono::milliseconds(int)> due_offset;
  std::chrono::seconds limit{300};  // for the deliveries, after the first due time
  // From dropping the items to the first due time; LeadFor(items) when 0.
  std::chrono::milliseconds lead{0};
};

struct WaveResult {
  std::string error;                 // empty when every delivery arrived
  double ingest_s = 0;               // rename into the inbox -> all accepted
  double ingest_cpu_s = 0;           // the daemon's CPU over that time
  bool due_before_accepted = false;  // ingest overran the first due time
  double rss_queued_mb = 0;          // just before the first due time
  size_t delivered = 0;
  double lateness_p50_ms = 0, lateness_p99_ms = 0, lateness_max_ms = 0;
  double last_after_due_s = 0;  // last arrival - the latest due time
  double deliver_cpu_s = 0;     // first due -> every outcome logged
};

// The lead before the first due time: enough for the daemon to accept the
// wave first (at 80 items/s and more, after a second of start), so that lateness measures the
// schedule, not the ingest.
std::chrono::milliseconds LeadFor(int items);

WaveResult RunWave(DaemonRun& run, Receiver& receiver, const WaveSpec& spec);

double Percentile(std::vector<double> v, double p);

}  // namespace loa::bench
