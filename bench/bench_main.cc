// loa_bench: prints the figures quoted in the README. Each benchmark uses the
// real parts (SQLite file with synchronous=FULL, real files, the real engine
// and file connector) in a fresh temp folder.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"
#include "base/env.h"
#include "base/fs.h"
#include "base/log.h"
#include "config/config.h"
#include "connectors/http/render.h"
#include "connectors/registry.h"
#include "contract/connector.h"
#include "daemon/ingest.h"
#include "queue/delivery_log.h"
#include "queue/engine.h"
#include "queue/sqlite_store.h"

namespace loa {
namespace {

using Steady = std::chrono::steady_clock;

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

struct Latencies {
  std::vector<double> ms;
  double Percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(ms.size() - 1));
    return ms[i];
  }
};

const char* kItem = R"({
  "title": "Sở Tư pháp đẩy mạnh cơ chế một cửa, một cửa liên thông",
  "summary": "Tóm tắt ngắn cho Facebook/Zalo.",
  "body": "## Các bước thực hiện\n\n1. Đăng nhập Cổng Dịch vụ công Quốc gia bằng tài khoản định danh điện tử (VNeID).\n2. Chọn thủ tục **Cấp Phiếu lý lịch tư pháp**.\n3. Điền tờ khai và thanh toán lệ phí trực tuyến.\n\nMọi vướng mắc xin liên hệ [Bộ phận Một cửa](https://sotuphap.angiang.gov.vn/).",
  "publish_at": "2026-12-01T08:00:00+07:00",
  "channels": "all",
  "topics": ["kiem-soat-tthc", "mot-cua"],
  "form": "news",
  "unit": "Văn phòng Sở",
  "approved_by": "Nguyễn Văn A"
})";

fs::path FreshDir(const char* name) {
  fs::path dir = fs::temp_directory_path() / ("loa-bench-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Config BenchConfig(const fs::path& root) {
  Config config = DefaultConfig(root);
  for (const auto& dir : {config.state_dir, config.log_dir, config.inbox}) (void)EnsureDir(dir);
  return config;
}

// Inbox item -> validated, committed, moved to accepted/.
void BenchIngest(int n) {
  fs::path root = FreshDir("ingest");
  Config config = BenchConfig(root);
  auto store = SqliteStore::Open(config.DatabasePath());
  auto log = DeliveryLog::Open(config.DeliveryLogPath());
  if (!store.ok() || !log.ok()) {
    std::printf("ingest: setup failed\n");
    return;
  }
  IngestContext ctx{&config, store->get(), log->get(), &SystemClock(), [] {}};
  Latencies lat;
  auto start = Steady::now();
  for (int i = 0; i < n; ++i) {
    fs::path item = config.inbox / ("item-" + std::to_string(i) + ".json");
    (void)WriteFileAtomic(item, kItem);
    auto t0 = Steady::now();
    IngestResult r = IngestItem(item, ctx);
    lat.ms.push_back(Seconds(Steady::now() - t0) * 1000);
    if (r.kind != IngestResult::Kind::kAccepted) {
      std::printf("ingest: unexpected result for %s: %s\n", item.c_str(), r.message.c_str());
      return;
    }
  }
  double total = Seconds(Steady::now() - start);
  std::printf("ingest (parse + validate + commit 5 deliveries + move), %d items:\n", n);
  std::printf("  %.0f items/s, p50 %.2f ms, p99 %.2f ms\n", n / total, lat.Percentile(0.5),
              lat.Percentile(0.99));
}

// The two durable commits around every request: sending, then the outcome.
void BenchAttemptCommits(int n) {
  fs::path root = FreshDir("store");
  Config config = BenchConfig(root);
  auto store = SqliteStore::Open(config.DatabasePath());
  if (!store.ok()) return;
  Item item;
  item.title = "bench";
  item.approved_by = "bench";
  item.body_markdown = "x";
  item.channels = {"portal"};
  TimePoint now = SystemClock().Now();
  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i) {
    item.id = "bench-" + std::to_string(i);
    item.publish_at = now;
    if (!(*store)->UpsertPost(item, now).ok()) return;
  }
  auto deliveries = (*store)->ListDeliveries();
  if (!deliveries.ok()) return;
  for (const auto& d : *deliveries) ids.push_back(d.id);
  Latencies lat;
  auto start = Steady::now();
  for (int64_t id : ids) {
    auto t0 = Steady::now();
    auto begun = (*store)->BeginAttempt(id, now);
    if (!begun.ok()) return;
    AttemptRecord rec;
    rec.delivery_id = id;
    rec.number = begun->attempts;
    rec.started_at = now;
    rec.ended_at = now;
    rec.outcome = AttemptOutcome::kPublished;
    rec.remote_id = "r";
    if (!(*store)->FinishAttempt(rec).ok()) return;
    lat.ms.push_back(Seconds(Steady::now() - t0) * 1000);
  }
  double total = Seconds(Steady::now() - start);
  std::printf("store: BeginAttempt + FinishAttempt (2 fsync'd commits), %d deliveries:\n", n);
  std::printf("  %.0f attempts/s, p50 %.2f ms, p99 %.2f ms\n", n / total, lat.Percentile(0.5),
              lat.Percentile(0.99));
}

// Items all due now on five file channels: how fast the engine drains them,
// and how late the first attempt starts after Wake().
void BenchEngineDrain(int items) {
  fs::path root = FreshDir("engine");
  Config config = BenchConfig(root);
  auto store = SqliteStore::Open(config.DatabasePath());
  auto log = DeliveryLog::Open(config.DeliveryLogPath());
  if (!store.ok() || !log.ok()) return;
  TimePoint now = SystemClock().Now();
  Item item;
  item.title = "Tập huấn nghiệp vụ kiểm soát thủ tục hành chính";
  item.approved_by = "Chánh Văn phòng";
  item.body_markdown = "Sáng ngày 05/12/2026, Sở Tư pháp tổ chức hội nghị tập huấn.";
  item.channels = config.ChannelNames();
  item.publish_at = now;
  for (int i = 0; i < items; ++i) {
    item.id = "drain-" + std::to_string(i);
    if (!(*store)->UpsertPost(item, now).ok()) return;
  }
  std::map<std::string, std::unique_ptr<Connector>> connectors;
  for (const auto& [name, channel] : config.channels) {
    auto c = MakeConnector(channel, config, /*vault=*/nullptr, SystemClock());
    if (!c.ok()) return;
    connectors[name] = std::move(c).value();
  }
  asio::io_context io;
  SystemEnv env;
  Engine engine(io, std::make_shared<const Config>(config), **store, **log, env,
                std::move(connectors));
  const size_t total = static_cast<size_t>(items) * config.channels.size();
  auto start = Steady::now();
  engine.Start();
  while ((*store)->InState(DeliveryState::kPublished)->size() < total) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(20));
    if (Seconds(Steady::now() - start) > 120) break;
  }
  double secs = Seconds(Steady::now() - start);
  size_t published = (*store)->InState(DeliveryState::kPublished)->size();
  bool done = false;
  engine.Stop([&] { done = true; });
  while (!done) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  std::printf("engine drain: %d items x %zu file channels, all due now:\n", items,
              config.channels.size());
  std::printf("  %zu/%zu published in %.2f s = %.0f deliveries/s\n", published, total, secs,
              static_cast<double>(published) / secs);
}

void BenchRender(int n) {
  std::string md = nlohmann::json::parse(kItem)["body"].get<std::string>();
  for (int i = 0; i < 20; ++i) md += "\n\n" + md.substr(0, 200);
  auto start = Steady::now();
  size_t bytes = 0;
  for (int i = 0; i < n; ++i) bytes += MarkdownToHtml(md).size() + MarkdownToText(md).size();
  double secs = Seconds(Steady::now() - start);
  std::printf("render: Markdown -> HTML + text, %zu-byte body, %d times:\n", md.size(), n);
  std::printf("  %.0f items/s (%.1f MB/s of Markdown)\n", n / secs,
              static_cast<double>(md.size()) * n / secs / 1e6);
  if (bytes == 0) std::printf("  (no output?)\n");
}

}  // namespace
}  // namespace loa

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  loa::SetLogLevel(loa::LogLevel::kWarning);  // one line per item would drown the figures
  std::printf("loa_bench on %ld cores, temp folder %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              std::filesystem::temp_directory_path().c_str());
  loa::BenchIngest(500);
  loa::BenchAttemptCommits(1000);
  loa::BenchEngineDrain(200);
  loa::BenchRender(5000);
  std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                              ("loa-bench-" + std::to_string(::getpid())));
  return 0;
}
