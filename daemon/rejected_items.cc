#include "daemon/rejected_items.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <system_error>

#include "base/fs.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

constexpr std::string_view kReportSuffix = ".error.txt";
// A folder holding more than this many entries is read this far only, so a
// flooded rejected/ cannot stall the io thread.
constexpr size_t kMaxEntriesScanned = 10000;

TimePoint FromFileTime(fs::file_time_type t) {
  auto system = std::chrono::file_clock::to_sys(t);
  return TimePoint(std::chrono::duration_cast<Millis>(system.time_since_epoch()));
}

std::string ReadReport(const fs::path& path) {
  Result<std::string> text = ReadFile(path, kMaxRejectedReportBytes * 4);
  if (!text.ok()) return "(cannot read the report: " + text.error() + ")";
  size_t replaced = 0;
  std::string report = RepairUtf8(*text, &replaced);
  if (report.size() > kMaxRejectedReportBytes) {
    size_t cut = kMaxRejectedReportBytes - 3;
    while (cut > 0 && (static_cast<unsigned char>(report[cut]) & 0xC0) == 0x80) --cut;
    report.resize(cut);
    report += "…";
  }
  return report;
}

}  // namespace

std::vector<RejectedItem> ListRejectedItems(const fs::path& rejected_dir, TimePoint since,
                                            size_t limit) {
  struct Found {
    fs::path path;
    TimePoint at;
  };
  std::vector<Found> found;
  std::error_code ec;
  fs::directory_iterator it(rejected_dir, ec);
  size_t scanned = 0;
  for (; !ec && it != fs::directory_iterator() && scanned < kMaxEntriesScanned;
       it.increment(ec), ++scanned) {
    const std::string name = it->path().filename().string();
    if (name.size() <= kReportSuffix.size() || !name.ends_with(kReportSuffix)) continue;
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    auto written = it->last_write_time(entry_ec);
    if (entry_ec) continue;
    TimePoint at = FromFileTime(written);
    if (at < since) continue;
    found.push_back({it->path(), at});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    return a.at != b.at ? a.at > b.at : a.path.filename() < b.path.filename();
  });
  if (found.size() > limit) found.resize(limit);

  std::vector<RejectedItem> out;
  out.reserve(found.size());
  for (const Found& f : found) {
    std::string name = f.path.filename().string();
    name.resize(name.size() - kReportSuffix.size());
    out.push_back({EscapeForDisplay(name), f.at, ReadReport(f.path)});
  }
  return out;
}

}  // namespace loa
