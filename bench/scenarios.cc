#include "bench/scenarios.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <thread>

#include "bench/burst.h"
#include "bench/daemon_run.h"
#include "bench/receiver.h"
#include "bench/sqlite_bench.h"
#include "tests/loa_process.h"
#include "tests/test_files.h"

namespace loa::bench {

namespace {

using namespace std::chrono_literals;

std::string Fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

// 12345 -> "12,345"
std::string Count(double n) {
  std::string digits = Fmt("%.0f", n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The sizes of one run: the full benchmark's or CI's small one.
struct Sizes {
  int spread_items, burst_items, slow_items, wide_channels, wide_items, drop_files;
  int queued_items;  // held in the queue for the memory figure
  int64_t history_posts;
  // Items per wave on the empty store and on the large one. CPU time comes
  // in 10 ms ticks: a wave must cost a few hundred ms of it for a 1.2×
  // target to be judged (1,000 items: about 0.2 s to ingest, 1.5 s to send).
  int empty_wave, large_wave, commits;
};

constexpr Sizes kFull{200, 1000, 1000, 100, 10, 10000, 100000, 200000, 1000, 1000, 2000};
constexpr Sizes kSmall{10, 40, 20, 10, 3, 150, 300, 2000, 10, 10, 100};

class Bench {
 public:
  Bench(const BenchOptions& o, std::vector<std::string>& notes)
      : o_(o), notes_(notes), sizes_(o.small ? kSmall : kFull) {}

  std::vector<Row> Run();

 private:
  // Runs `scenario` o_.rounds times: each figure's median.
  Figures Median(const std::string& name, const std::function<Figures(int round)>& scenario);
  Figures Spread(int round);
  Figures Burst(const std::string& name, int items, int channels, int delay_ms, int round);
  Figures Drop(int round);
  Figures Queued();
  Figures History();
  bool Check(const std::string& what, const WaveResult& r, const DaemonRun& run);
  Figures Failed(const DaemonRun& run) {
    notes_.push_back("FAILED " + run.dir().filename().string() +
                     ": the daemon did not start: " + run.Log().substr(0, 600));
    return {};
  }

  const BenchOptions& o_;
  std::vector<std::string>& notes_;
  Sizes sizes_;
  int concurrency_ = 0;  // 0: the daemon has no such setting
};

Figures Bench::Median(const std::string& name, const std::function<Figures(int)>& scenario) {
  std::map<std::string, std::vector<double>> all;
  for (int round = 0; round < o_.rounds; ++round) {
    std::fprintf(stderr, "  %s, round %d/%d\n", name.c_str(), round + 1, o_.rounds);
    for (const auto& [key, value] : scenario(round)) all[key].push_back(value);
  }
  Figures median;
  for (auto& [key, values] : all) median[key] = Percentile(values, 0.5);
  return median;
}

bool Bench::Check(const std::string& what, const WaveResult& r, const DaemonRun& run) {
  if (r.due_before_accepted) {
    notes_.push_back(what + ": the first due time passed before every item was accepted");
  }
  if (r.error.empty()) return true;
  std::string log = run.Log();
  notes_.push_back("FAILED " + what + ": " + r.error +
                   "; daemon log ends: " + log.substr(log.size() > 400 ? log.size() - 400 : 0));
  return false;
}

std::string RunName(const std::string& name, int round) {
  return name + "-" + std::to_string(round);
}

Figures Bench::Spread(int round) {
  Receiver receiver(kWebhookSecret, 16);
  DaemonRun run(o_.binary, o_.root, {RunName("spread", round), 1, receiver.url(), concurrency_});
  if (!run.Start()) return Failed(run);
  WaveSpec wave{0, sizes_.spread_items, 1, [](int i) { return i * 100ms; }};
  WaveResult r = RunWave(run, receiver, wave);
  Check("spread", r, run);
  run.Stop();
  return {{"p50", r.lateness_p50_ms}, {"p99", r.lateness_p99_ms}, {"max", r.lateness_max_ms}};
}

Figures Bench::Burst(const std::string& name, int items, int channels, int delay_ms, int round) {
  const int per_channel = std::max(1, std::min(concurrency_, items));
  Receiver receiver(kWebhookSecret, channels * per_channel + 16);
  receiver.SetDelay(std::chrono::milliseconds(delay_ms));
  DaemonRun run(o_.binary, o_.root, {RunName(name, round), channels, receiver.url(), concurrency_});
  auto ready = run.Start();
  if (!ready) return Failed(run);
  std::this_thread::sleep_for(500ms);  // past start-up's work: the idle daemon
  const double idle_rss = run.Usage().rss_mb;
  WaveResult r = RunWave(run, receiver, {0, items, channels, [](int) { return 0ms; }});
  Check(name, r, run);
  run.Stop();
  const double n = static_cast<double>(r.delivered);
  return {{"last_s", r.last_after_due_s},
          {"per_s", r.last_after_due_s > 0 ? n / r.last_after_due_s : 0},
          {"cpu_ms", n > 0 ? r.deliver_cpu_s * 1000 / n : 0},
          {"rss_idle", idle_rss},
          {"ready_s", *ready},
          {"delivered", n}};
}

Figures Bench::Drop(int round) {
  Receiver receiver(kWebhookSecret, 16);
  DaemonRun run(o_.binary, o_.root, {RunName("drop", round), 5, receiver.url(), concurrency_});
  if (!run.Start()) return Failed(run);
  // Due tomorrow: only the ingest is measured, and the items stay queued.
  run.Stage(0, sizes_.drop_files, [](int) { return std::chrono::system_clock::now() + 24h; });
  const ProcUsage before = run.Usage();
  run.RenameIn();
  auto took = run.WaitAccepted(static_cast<size_t>(sizes_.drop_files), 600s);
  const ProcUsage after = run.Usage();
  if (!took) notes_.push_back("FAILED drop: not all files accepted; " + run.Log().substr(0, 400));
  run.Stop();
  return {{"accepted_s", took.value_or(0)},
          {"cpu_item_ms", (after.cpu_s - before.cpu_s) * 1000 / sizes_.drop_files},
          {"rss_queued", after.rss_mb}};
}

// Many items waiting, dropped a batch at a time as the Office would over
// weeks: the daemon's memory must not grow with the queue (the store holds
// it, and the watcher and the engine keep only what is under way).
Figures Bench::Queued() {
  Receiver receiver(kWebhookSecret, 16);
  DaemonRun run(o_.binary, o_.root, {"queued", 5, receiver.url(), concurrency_});
  if (!run.Start()) return Failed(run);
  const int batch = std::max(1, std::min(sizes_.drop_files, sizes_.queued_items));
  double ingest_s = 0;
  const ProcUsage before = run.Usage();
  for (int first = 0; first < sizes_.queued_items; first += batch) {
    const int n = std::min(batch, sizes_.queued_items - first);
    run.Stage(first, n, [](int) { return std::chrono::system_clock::now() + 24h; });
    const auto start = std::chrono::steady_clock::now();
    run.RenameIn();
    if (!run.WaitAccepted(static_cast<size_t>(first + n), 600s)) {
      notes_.push_back("FAILED queued: not all files accepted; " + run.Log().substr(0, 400));
      run.Stop();
      return {};
    }
    ingest_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const ProcUsage usage = run.Usage();
  run.Stop();
  return {{"rss_queued", usage.rss_mb},
          {"ingest_s", ingest_s},
          {"ingest_cpu_s", usage.cpu_s - before.cpu_s}};
}

// An empty store, then one with history cloned from real rows: the same
// wave measured on both, and start-up with the large one.
Figures Bench::History() {
  const int channels = 5;
  Receiver receiver(kWebhookSecret, channels * std::max(1, concurrency_) + 16);
  Figures f;
  auto waves = [&](DaemonRun& run, const std::string& prefix, int first_id, int wave_items) {
    std::vector<double> cpu, ingest, p50;
    // A large store may slow ingest down so much that a wave would fall due
    // before it is accepted, mixing ingest into the deliveries' figures: a
    // few items due tomorrow measure the ingest first, and set the lead.
    constexpr int kProbe = 3;
    run.Stage(first_id, kProbe, [](int) { return std::chrono::system_clock::now() + 24h; });
    first_id += kProbe;
    const size_t accepted = run.Accepted();
    run.RenameIn();
    const double probe_s =
        run.WaitAccepted(accepted + kProbe, 600s).value_or(0) / static_cast<double>(kProbe);
    std::chrono::milliseconds lead =
        std::max(LeadFor(wave_items),
                 1000ms + std::chrono::milliseconds(int64_t(probe_s * 1300 * wave_items)));
    for (int round = 0; round < o_.rounds; ++round) {
      WaveSpec wave{first_id + round * wave_items, wave_items, channels, [](int) { return 0ms; }};
      wave.lead = lead;
      WaveResult r = RunWave(run, receiver, wave);
      // A store that slows ingest down would let the next wave fall due
      // before it is accepted: its lead follows this wave's ingest.
      lead = std::max(lead, 1000ms + std::chrono::milliseconds(int64_t(r.ingest_s * 2000)));
      if (!Check(prefix + " wave", r, run)) continue;
      cpu.push_back(r.deliver_cpu_s * 1000 / static_cast<double>(r.delivered));
      ingest.push_back(r.ingest_cpu_s * 1000 / wave_items);
      p50.push_back(r.lateness_p50_ms);
    }
    f[prefix + "_cpu_ms"] = Percentile(cpu, 0.5);
    f[prefix + "_ingest_ms"] = Percentile(ingest, 0.5);
    f[prefix + "_p50_ms"] = Percentile(p50, 0.5);
  };

  DaemonRun run(o_.binary, o_.root, {"history", channels, receiver.url(), concurrency_});
  auto empty_ready = run.Start();
  if (!empty_ready) return Failed(run);
  f["empty_ready_s"] = *empty_ready;
  waves(run, "empty", 1, sizes_.empty_wave);
  run.Stop();

  SeedResult seed = CloneHistory(run.state_dir() / "loa.db",
                                 o_.history_posts > 0 ? o_.history_posts : sizes_.history_posts);
  if (!seed.error.empty()) {
    notes_.push_back("FAILED history: cannot clone rows: " + seed.error);
    return f;
  }
  f["posts"] = static_cast<double>(seed.posts);
  f["attempts"] = static_cast<double>(seed.attempts);
  f["seed_s"] = seed.seconds;
  // The clones have no lines in deliveries.jsonl yet: the first start
  // writes them (queue/delivery_log.cc CatchUp), and runs whatever a first
  // start after an upgrade runs; it is not timed.
  if (!run.Start(1200s)) return Failed(run);
  run.Stop();
  std::vector<double> ready;
  for (int round = 0; round < o_.rounds; ++round) {
    auto took = run.Start(600s);
    if (!took) break;
    ready.push_back(*took);
    if (round + 1 < o_.rounds) run.Stop();
  }
  f["large_ready_s"] = Percentile(ready, 0.5);
  waves(run, "large", 100 + o_.rounds * sizes_.empty_wave, sizes_.large_wave);
  run.Stop();
  return f;
}

std::vector<Row> Bench::Run() {
  std::vector<Row> rows;
  // Each row as soon as it is measured: a long run stopped midway still
  // tells what it measured.
  auto wanted = [&](const std::string& name) {
    return o_.only.empty() || std::find(o_.only.begin(), o_.only.end(), name) != o_.only.end();
  };
  std::vector<std::string> needs;  // the scenarios the next row reads from
  auto add = [&](Row r) {
    for (const auto& n : needs)
      if (!wanted(n)) return;
    std::fprintf(stderr, "  | %s | %s | %s |\n", r.figure.c_str(), r.measured.c_str(),
                 r.target.c_str());
    rows.push_back(std::move(r));
  };
  {
    Receiver probe(kWebhookSecret, 4);
    concurrency_ = DaemonKnowsConcurrency(o_.binary, o_.root, probe.url(), 16) ? 16 : 0;
    if (concurrency_ == 0 && !DaemonKnowsConcurrency(o_.binary, o_.root, probe.url(), 0)) {
      notes_.push_back("FAILED: `loa config check` refuses the benchmark's config");
    }
  }
  notes_.push_back(concurrency_ > 0
                       ? "channels run with \"concurrency\": 16"
                       : "this loa has no \"concurrency\" setting: one request at a time per "
                         "channel");
  const Sizes& s = sizes_;

  auto run = [&](const std::string& name, auto scenario) {
    return wanted(name) ? scenario() : Figures{};
  };
  Figures a = run("spread", [&] { return Median("spread", [&](int r) { return Spread(r); }); });
  needs = {"spread"};
  add({Fmt("%s items due 100 ms apart, 1 channel: lateness p50 / p99",
           Count(s.spread_items).c_str()),
       Fmt("%.1f ms / %.1f ms", a["p50"], a["p99"]), "p99 ≤ 10 ms"});

  Figures b = run("burst", [&] {
    return Median("burst 0 ms", [&](int r) { return Burst("burst0", s.burst_items, 5, 0, r); });
  });
  needs = {"burst"};
  add({Fmt("%s items × 5 channels due at once, receiver 0 ms: last delivered after",
           Count(s.burst_items).c_str()),
       Fmt("%.2f s (%s/s)", b["last_s"], Count(b["per_s"]).c_str()), "≤ 1.5 s; ≥ 3,000/s"});

  Figures c = run("slow", [&] {
    return Median("burst 50 ms", [&](int r) { return Burst("burst50", s.slow_items, 5, 50, r); });
  });
  needs = {"slow"};
  add({Fmt("the same (%s × 5), receiver 50 ms, %s", Count(s.slow_items).c_str(),
           concurrency_ > 0 ? "concurrency 16" : "no concurrency setting"),
       Fmt("%.2f s (%s/s)", c["last_s"], Count(c["per_s"]).c_str()), "≤ 4 s (peer 26.7 s)"});

  Figures d = run("wide", [&] {
    return Median("wide 50 ms",
                  [&](int r) { return Burst("wide50", s.wide_items, s.wide_channels, 50, r); });
  });
  needs = {"wide"};
  add({Fmt("%d channels × %d items at once, receiver 50 ms: last delivered after", s.wide_channels,
           s.wide_items),
       Fmt("%.2f s", d["last_s"]), "— (peer 5.3 s)"});

  Figures e = run("drop", [&] { return Median("drop", [&](int r) { return Drop(r); }); });
  needs = {"drop"};
  add({Fmt("%s item files dropped at once → all accepted", Count(s.drop_files).c_str()),
       Fmt("%.2f s (%s/s)", e["accepted_s"],
           Count(e["accepted_s"] > 0 ? s.drop_files / e["accepted_s"] : 0).c_str()),
       "≤ 5 s"});

  Figures q = run("queued", [&] {
    std::fprintf(stderr, "  queued\n");
    return Queued();
  });

  Figures h = run("history", [&] {
    std::fprintf(stderr, "  history\n");
    return History();
  });
  needs = {"history"};
  const std::string big =
      Fmt("%s posts, %s attempts", Count(h["posts"]).c_str(), Count(h["attempts"]).c_str());
  auto ratio = [](double large, double empty) { return empty > 0 ? large / empty : 0; };
  add({Fmt("CPU per delivery, waves of %d / %d items × 5 due at once: empty store / %s",
           s.empty_wave, s.large_wave, big.c_str()),
       Fmt("%.2f ms / %.2f ms (%.2f×); lateness p50 %.0f ms / %.0f ms", h["empty_cpu_ms"],
           h["large_cpu_ms"], ratio(h["large_cpu_ms"], h["empty_cpu_ms"]), h["empty_p50_ms"],
           h["large_p50_ms"]),
       "≤ 1.2×"});
  add({Fmt("CPU per ingested item, waves of %d / %d items: empty store / %s", s.empty_wave,
           s.large_wave, big.c_str()),
       Fmt("%.2f ms / %.2f ms (%.2f×)", h["empty_ingest_ms"], h["large_ingest_ms"],
           ratio(h["large_ingest_ms"], h["empty_ingest_ms"])),
       "≤ 1.2×"});
  add({Fmt("start-up to ready: empty store / %s", big.c_str()),
       Fmt("%.2f s / %.2f s", h["empty_ready_s"], h["large_ready_s"]), "≤ 0.5 s"});
  if (wanted("history"))
    notes_.push_back(Fmt("history: %s rows cloned in %.1f s", big.c_str(), h["seed_s"]));

  needs = {"burst"};
  add({Fmt("CPU per delivery in a burst (%s × 5, receiver 0 ms)", Count(s.burst_items).c_str()),
       Fmt("%.2f ms", b["cpu_ms"]), "≤ 0.3 ms"});
  needs = {"burst", "drop"};
  add({Fmt("RSS idle / with %s items (%s deliveries) queued", Count(s.drop_files).c_str(),
           Count(s.drop_files * 5.0).c_str()),
       Fmt("%.1f MB / %.1f MB", b["rss_idle"], e["rss_queued"]), "≤ 15 MB / —"});
  needs = {"queued"};
  add({Fmt("%s items ingested in batches of %s (the store growing to %s deliveries)",
           Count(s.queued_items).c_str(), Count(std::min(s.drop_files, s.queued_items)).c_str(),
           Count(s.queued_items * 5.0).c_str()),
       Fmt("%.1f s, %.1f s of CPU", q["ingest_s"], q["ingest_cpu_s"]),
       "— (was 1,051 s, 954 s of CPU)"});
  add({Fmt("RSS with %s items (%s deliveries) queued", Count(s.queued_items).c_str(),
           Count(s.queued_items * 5.0).c_str()),
       Fmt("%.1f MB", q["rss_queued"]), "≤ 64 MB with 100,000"});
  needs = {"drop"};
  add({Fmt("CPU per ingested item, %s files dropped at once", Count(s.drop_files).c_str()),
       Fmt("%.2f ms", e["cpu_item_ms"]), "—"});

  needs = {"commits"};
  double commits = wanted("commits") ? DurableCommitsPerSecond(o_.root, s.commits) : 0;
  add({"physical limit: durable SQLite commits (WAL, synchronous=FULL, 1 INSERT each)",
       Fmt("%s/s (%.2f ms)", Count(commits).c_str(), commits > 0 ? 1000 / commits : 0),
       "— (ceiling for one commit per change)"});
  return rows;
}

}  // namespace

std::vector<Row> RunAll(const BenchOptions& options, std::vector<std::string>& notes) {
  return Bench(options, notes).Run();
}

}  // namespace loa::bench
