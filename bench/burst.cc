#include "bench/burst.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa::bench {

namespace {

using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// deliveries.jsonl may hold a long history: only its lines past `offset`
// are read.
uintmax_t LogSize(const DaemonRun& run) {
  std::error_code ec;
  uintmax_t size = fs::file_size(run.log_dir() / "deliveries.jsonl", ec);
  return ec ? 0 : size;
}

size_t LinesSince(const DaemonRun& run, uintmax_t offset) {
  std::ifstream in(run.log_dir() / "deliveries.jsonl", std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return fakes::Count(rest, "\n");
}

}  // namespace

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5)];
}

std::chrono::milliseconds LeadFor(int items) { return 1000ms + items * 12ms; }

WaveResult RunWave(DaemonRun& run, Receiver& receiver, const WaveSpec& spec) {
  WaveResult r;
  receiver.Clear();
  const size_t expected = static_cast<size_t>(spec.items) * static_cast<size_t>(spec.channels);
  const uintmax_t log_offset = LogSize(run);
  const size_t accepted_before = run.Accepted();
  const WallTime start =
      std::chrono::system_clock::now() + (spec.lead > 0ms ? spec.lead : LeadFor(spec.items));
  WallTime first_due = WallTime::max(), last_due = WallTime::min();
  run.Stage(spec.first_id, spec.items, [&](int i) {
    WallTime due = start + spec.due_offset(i - spec.first_id);
    first_due = std::min(first_due, due);
    last_due = std::max(last_due, due);
    return due;
  });

  const ProcUsage before_ingest = run.Usage();
  run.RenameIn();
  auto accepted = run.WaitAccepted(accepted_before + static_cast<size_t>(spec.items),
                                   std::chrono::seconds(600));
  if (!accepted) {
    r.error = "not all items accepted (" + std::to_string(run.Accepted() - accepted_before) + "/" +
              std::to_string(spec.items) + ")";
    return r;
  }
  r.ingest_s = *accepted;
  r.ingest_cpu_s = run.Usage().cpu_s - before_ingest.cpu_s;
  r.due_before_accepted = std::chrono::system_clock::now() >= first_due;

  std::this_thread::sleep_until(first_due - 30ms);
  const ProcUsage at_due = run.Usage();
  r.rss_queued_mb = at_due.rss_mb;
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(
      (last_due - std::chrono::system_clock::now()) + spec.limit);
  bool all = fakes::PollUntil([&] { return receiver.Accepted() >= expected; }, limit);
  // The outcome of the last request is committed after it arrives: the CPU
  // of a delivery ends when its line is in deliveries.jsonl.
  fakes::PollUntil([&] { return LinesSince(run, log_offset) >= expected; }, 60s);
  r.deliver_cpu_s = run.Usage().cpu_s - at_due.cpu_s;

  std::vector<double> lateness;
  WallTime last = WallTime::min();
  for (const Receiver::Arrival& a : receiver.Arrivals()) {
    lateness.push_back(std::chrono::duration<double, std::milli>(a.at - a.due).count());
    last = std::max(last, a.at);
  }
  r.delivered = lateness.size();
  r.lateness_p50_ms = Percentile(lateness, 0.5);
  r.lateness_p99_ms = Percentile(lateness, 0.99);
  r.lateness_max_ms = Percentile(lateness, 1.0);
  r.last_after_due_s = std::chrono::duration<double>(last - last_due).count();
  if (!all) {
    r.error = std::to_string(r.delivered) + "/" + std::to_string(expected) + " delivered";
  }
  if (receiver.Refused() > 0) {
    r.error += (r.error.empty() ? "" : "; ") + std::to_string(receiver.Refused()) +
               " requests refused by the receiver";
  }
  return r;
}

}  // namespace loa::bench
