// One run of the real `loa daemon` for the benchmark: a fresh folder with a
// config of N webhook channels pointing at the receiver, the daemon started
// as a child process (tests/loa_process.h), items dropped into its inbox as
// an editor's tool does (written aside, renamed in), and what the kernel
// says about the process (CPU time, RSS).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/loa_process.h"

namespace loa::bench {

namespace fs = std::filesystem;
using WallTime = std::chrono::system_clock::time_point;

inline constexpr const char* kWebhookSecret = "bench-webhook-secret-7c1d";

struct RunSpec {
  std::string name;
  int channels = 5;
  std::string url;  // the receiver's
  // Set on every channel when > 0 (the daemon must know the key).
  int concurrency = 0;
};

struct ProcUsage {
  double cpu_s = 0;  // utime + stime
  double rss_mb = 0;
};

class DaemonRun {
 public:
  DaemonRun(fs::path binary, fs::path root, RunSpec spec);
  ~DaemonRun();
  DaemonRun(const DaemonRun&) = delete;
  DaemonRun& operator=(const DaemonRun&) = delete;

  const fs::path& dir() const { return dir_; }
  fs::path state_dir() const { return dir_ / "state"; }
  fs::path log_dir() const { return dir_ / "log"; }
  fs::path config_path() const { return dir_ / "loa.json"; }

  // Spawns the daemon and waits for its "loa ready" line; the seconds from
  // spawn to ready, nullopt if it exited or took over `limit`.
  std::optional<double> Start(std::chrono::seconds limit = std::chrono::seconds(120));
  // SIGTERM and wait; true if it exited cleanly.
  bool Stop();
  std::string Log() const;
  ProcUsage Usage() const;

  // Writes items `first`..`first+count-1` due at due(i), outside the inbox;
  // RenameIn() moves them all in.
  void Stage(int first, int count, const std::function<WallTime(int)>& due);
  void RenameIn();
  size_t Accepted() const;
  size_t Rejected() const;
  // Waits until `count` items are accepted; the seconds it took, nullopt
  // if any was rejected or `limit` passed.
  std::optional<double> WaitAccepted(size_t count, std::chrono::seconds limit);

 private:
  void StartProfiler();
  void StopProfiler();
  fs::path binary_;
  fs::path dir_;
  RunSpec spec_;
  std::vector<fs::path> staged_;
  std::unique_ptr<fakes::LoaProcess> process_;
  pid_t profiler_ = -1;  // `perf record` on the daemon (LOA_BENCH_PERF)
  int starts_ = 0;
};

// Whether `loa config check` accepts the benchmark's config with
// `concurrency` set to this (0: not set): whether this loa knows the
// per-channel setting.
bool DaemonKnowsConcurrency(const fs::path& binary, const fs::path& root, const std::string& url,
                            int concurrency);

std::string ItemId(int i);

}  // namespace loa::bench
