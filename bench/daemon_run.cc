#include "bench/daemon_run.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "tests/test_files.h"

namespace loa::bench {

namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

json ConfigJson(const RunSpec& spec) {
  json channels = json::object();
  for (int c = 0; c < spec.channels; ++c) {
    json ch = {{"type", "webhook"},
               {"url", spec.url},
               {"secret_file", "hook.secret"},
               {"min_interval", "0s"}};
    if (spec.concurrency > 0) ch["concurrency"] = spec.concurrency;
    channels["w" + std::to_string(c)] = ch;
  }
  return {{"timezone", "+07:00"},
          {"state_dir", "state"},
          {"inbox", "inbox"},
          {"log_dir", "log"},
          // Items are renamed in whole, so none needs to settle.
          {"settle_time", "0s"},
          {"rescan_interval", "10s"},
          {"shutdown_timeout", "10s"},
          // Several runs side by side: no control server on the fixed port.
          {"control", {{"listen", ""}}},
          {"channels", channels}};
}

size_t CountFiles(const fs::path& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".json") ++n;
  }
  return n;
}

}  // namespace

std::string ItemId(int i) { return "bench-item-" + std::to_string(i); }

DaemonRun::DaemonRun(fs::path binary, fs::path root, RunSpec spec)
    : binary_(std::move(binary)), dir_(root / spec.name), spec_(std::move(spec)) {
  fs::remove_all(dir_);
  fs::create_directories(dir_ / "inbox");
  fs::create_directories(dir_ / "staging");
  fakes::WriteSecret(dir_ / "hook.secret", std::string(kWebhookSecret) + "\n");
  fakes::WriteText(config_path(), ConfigJson(spec_).dump(2));
}

DaemonRun::~DaemonRun() {
  StopProfiler();
  if (process_) process_->Kill();
}

std::optional<double> DaemonRun::Start(std::chrono::seconds limit) {
  StopProfiler();
  if (process_) process_->Kill();
  auto t0 = Steady::now();
  process_ = std::make_unique<fakes::LoaProcess>(
      fakes::DaemonCommand(binary_, dir_, config_path(), dir_ / "daemon.out"));
  if (!process_->WaitReady(limit)) return std::nullopt;
  const double ready = std::chrono::duration<double>(Steady::now() - t0).count();
  StartProfiler();
  return ready;
}

// LOA_BENCH_PERF=DIR records each run of the daemon after it is ready with
// `perf record` (call graphs from DWARF) into DIR/NAME-N.perf: where a
// figure misses its target, the profile shows what bounds it.
void DaemonRun::StartProfiler() {
  const char* dir = std::getenv("LOA_BENCH_PERF");
  if (dir == nullptr || *dir == '\0' || !process_) return;
  const std::string out =
      (fs::path(dir) / (spec_.name + "-" + std::to_string(++starts_) + ".perf")).string();
  const std::string pid = std::to_string(process_->pid());
  profiler_ = ::fork();
  if (profiler_ == 0) {
    ::execlp("perf", "perf", "record", "--quiet", "-F", "499", "--call-graph", "dwarf,16384", "-p",
             pid.c_str(), "-o", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

void DaemonRun::StopProfiler() {
  if (profiler_ <= 0) return;
  ::kill(profiler_, SIGINT);
  ::waitpid(profiler_, nullptr, 0);
  profiler_ = -1;
}

bool DaemonRun::Stop() {
  StopProfiler();
  if (!process_) return true;
  int code = process_->Stop(SIGTERM, std::chrono::seconds(60));
  if (code == -1) process_->Kill();
  process_.reset();
  return code == 0;
}

std::string DaemonRun::Log() const { return fakes::ReadText(dir_ / "daemon.out"); }

ProcUsage DaemonRun::Usage() const {
  ProcUsage u;
  if (!process_) return u;
  const std::string proc = "/proc/" + std::to_string(process_->pid());
  // /proc/PID/stat: fields 14 and 15 (utime, stime) follow the ")" that
  // ends the command name, which may itself hold spaces.
  std::string stat = fakes::ReadText(proc + "/stat");
  if (auto close = stat.rfind(')'); close != std::string::npos) {
    std::istringstream in(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int f = 3; f <= 15 && in >> field; ++f) {
      if (f == 14) utime = std::stoull(field);
      if (f == 15) stime = std::stoull(field);
    }
    u.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::istringstream status(fakes::ReadText(proc + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) u.rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  return u;
}

void DaemonRun::Stage(int first, int count, const std::function<WallTime(int)>& due) {
  for (int i = first; i < first + count; ++i) {
    json item = {
        {"id", ItemId(i)},
        {"title", "Thông báo lịch tiếp công dân số " + std::to_string(i)},
        {"summary", "Tóm tắt ngắn cho kênh nhận tin."},
        {"body",
         "Sở Tư pháp thông báo lịch tiếp công dân định kỳ.\n\nMọi vướng mắc xin liên hệ "
         "**Bộ phận Một cửa**."},
        {"publish_at", FormatUtc(std::chrono::time_point_cast<Millis>(due(i)))},
        {"channels", "all"},
        {"topics", {"tiep-cong-dan"}},
        {"form", "news"},
        {"unit", "Văn phòng Sở"},
        {"approved_by", "Chánh Văn phòng"},
    };
    fs::path path = dir_ / "staging" / (ItemId(i) + ".json");
    fakes::WriteText(path, item.dump());
    staged_.push_back(path);
  }
}

void DaemonRun::RenameIn() {
  for (const fs::path& p : staged_) fs::rename(p, dir_ / "inbox" / p.filename());
  staged_.clear();
}

size_t DaemonRun::Accepted() const { return CountFiles(dir_ / "inbox" / "accepted"); }
size_t DaemonRun::Rejected() const { return CountFiles(dir_ / "inbox" / "rejected"); }

std::optional<double> DaemonRun::WaitAccepted(size_t count, std::chrono::seconds limit) {
  auto t0 = Steady::now();
  bool ok = fakes::PollUntil([&] { return Rejected() > 0 || Accepted() >= count; }, limit);
  if (!ok || Rejected() > 0) return std::nullopt;
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

bool DaemonKnowsConcurrency(const fs::path& binary, const fs::path& root, const std::string& url,
                            int concurrency) {
  DaemonRun probe(binary, root,
                  RunSpec{"probe-" + std::to_string(concurrency), 1, url, concurrency});
  std::vector<std::string> args = {"config", "check", "--config", probe.config_path().string()};
  // As root, the check would judge the files for a `loa` service user; the
  // benchmark's daemon runs as root itself.
  if (::geteuid() == 0) args.insert(args.end(), {"--user", "root"});
  fakes::LoaProcess check(fakes::LoaCommand(binary, args, probe.dir(), probe.dir() / "check.out"));
  return check.Wait(std::chrono::seconds(30)) == 0;
}

}  // namespace loa::bench
