// loa_bench: drives the real `loa daemon` through its inbox against a
// loopback webhook receiver and prints every figure of the README's
// "Benchmarks" table beside its target. `--small` is CI's scaled-down run:
// it checks that every scenario still works, no timing is judged.
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/scenarios.h"
#include "inbox/markdown.h"
#include "tests/test_files.h"

namespace {

namespace fs = std::filesystem;

std::string CpuModel() {
  std::string info = loa::fakes::ReadText("/proc/cpuinfo");
  auto at = info.find("model name");
  if (at == std::string::npos) return "unknown CPU";
  auto colon = info.find(':', at), end = info.find('\n', at);
  return info.substr(colon + 2, end - colon - 2);
}

// Markdown -> HTML + plain text of a long Vietnamese body: the rendering
// each delivery does, apart from the daemon's other costs.
void RenderFigure(int n) {
  std::string md =
      "## Các bước thực hiện\n\n1. Đăng nhập Cổng Dịch vụ công Quốc gia bằng tài khoản định danh "
      "điện tử (VNeID).\n2. Chọn thủ tục **Cấp Phiếu lý lịch tư pháp**.\n3. Điền tờ khai và thanh "
      "toán lệ phí trực tuyến.\n\nMọi vướng mắc xin liên hệ [Bộ phận Một "
      "cửa](https://sotuphap.angiang.gov.vn/).";
  for (int i = 0; i < 20; ++i) md += "\n\n" + md.substr(0, 200);
  auto start = std::chrono::steady_clock::now();
  size_t bytes = 0;
  for (int i = 0; i < n; ++i)
    bytes += loa::MarkdownToHtml(md).size() + loa::MarkdownToText(md).size();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("render (in-process): Markdown → HTML + text of a %zu-byte body: %.0f items/s%s\n",
              md.size(), n / secs, bytes == 0 ? " (no output?)" : "");
}

int Usage() {
  std::fprintf(
      stderr,
      "usage: loa_bench [--small] [--rounds N] [--history-posts N] [--only LIST] [--loa PATH]\n"
      "                 [--dir DIR]\n"
      "  --small   CI's scaled-down run (one round, small counts)\n"
      "  --rounds  rounds per figure, their median printed (default 3)\n"
      "  --history-posts  posts in the large store (default 200,000: 1 M attempts)\n"
      "  --loa     the loa binary to measure (default: beside loa_bench)\n"
      "  --dir     where the runs' folders go (default: a new /tmp/loa-bench-*)\n"
      "  --only    a comma-separated list of scenarios: spread, burst, slow, wide, drop, queued,\n"
      "            history, commits (default: all)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  loa::bench::BenchOptions options;
  fs::path dir;
  int rounds = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--small") {
      options.small = true;
    } else if (arg == "--rounds" && has_value) {
      rounds = std::atoi(argv[++i]);
      if (rounds < 1) return Usage();
    } else if (arg == "--history-posts" && has_value) {
      options.history_posts = std::atoll(argv[++i]);
      if (options.history_posts < 1) return Usage();
    } else if (arg == "--only" && has_value) {
      std::string list = argv[++i];
      for (size_t at = 0; at <= list.size();) {
        size_t comma = std::min(list.find(',', at), list.size());
        if (comma > at) options.only.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    } else if (arg == "--loa" && has_value) {
      options.binary = argv[++i];
    } else if (arg == "--dir" && has_value) {
      dir = argv[++i];
    } else {
      return Usage();
    }
  }
  options.rounds = rounds > 0 ? rounds : options.small ? 1 : 3;
  if (options.binary.empty()) {
    options.binary = fs::read_symlink("/proc/self/exe").parent_path() / "loa";
  }
  // The daemon runs in its own folder: a relative path would not reach it.
  options.binary = fs::absolute(options.binary);
  if (!fs::exists(options.binary)) {
    std::fprintf(stderr, "loa_bench: no loa binary at %s (--loa PATH)\n", options.binary.c_str());
    return 2;
  }
  const bool own_dir = dir.empty();
  options.root = own_dir ? loa::fakes::MakeTempDir("bench") : dir;
  if (options.root.empty()) return 2;
  fs::create_directories(options.root);

  utsname u{};
  ::uname(&u);
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("loa_bench%s: %s, %ld cores (%s), %s %s, runs in %s, medians of %d\n",
              options.small ? " --small" : "", date, ::sysconf(_SC_NPROCESSORS_ONLN),
              CpuModel().c_str(), u.sysname, u.release, options.root.c_str(), options.rounds);
  std::printf("loa: %s\n", fs::canonical(options.binary).c_str());
  // Other work on the machine shares its cores and disk with the daemon.
  std::printf("load average before: %s\n", loa::fakes::ReadText("/proc/loadavg").c_str());

  std::vector<std::string> notes;
  std::vector<loa::bench::Row> rows = loa::bench::RunAll(options, notes);
  std::printf("| figure | measured | target |\n|---|---|---|\n");
  for (const auto& r : rows) {
    std::printf("| %s | %s | %s |\n", r.figure.c_str(), r.measured.c_str(), r.target.c_str());
  }
  std::printf("\n");
  int failures = 0;
  for (const auto& n : notes) {
    std::printf("note: %s\n", n.c_str());
    if (n.rfind("FAILED", 0) == 0) ++failures;
  }
  RenderFigure(options.small ? 200 : 5000);
  std::printf("load average after: %s", loa::fakes::ReadText("/proc/loadavg").c_str());
  if (own_dir && failures == 0) fs::remove_all(options.root);
  if (failures > 0)
    std::printf("%d scenario(s) FAILED; folders kept in %s\n", failures, options.root.c_str());
  return failures > 0 ? 1 : 0;
}
