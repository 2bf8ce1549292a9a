// The items loa rejected lately, read back from inbox/rejected/: each
// rejection left the item there with its report NAME.error.txt
// (daemon/ingest.cc), in Vietnamese then English. The dashboard and the
// inbox's status page list them from there, so an item the editor has
// removed from rejected/ (handled) is no longer listed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"

namespace loa {

struct RejectedItem {
  // The item's name in rejected/ (the report's name without ".error.txt"),
  // escaped for display: names are the editors' and may hold anything.
  std::string name;
  TimePoint at{};  // when the report was written
  // The report's text, valid UTF-8 (ill-formed bytes replaced), at most
  // kMaxRejectedReportBytes (cut on a character boundary, marked "…").
  std::string report;
};

inline constexpr size_t kMaxRejectedReportBytes = 16 * 1024;

// The reports in `rejected_dir` written at or after `since`, newest first,
// at most `limit`. A folder that does not exist has none; an unreadable
// report is listed with its read error as its text. Never throws.
std::vector<RejectedItem> ListRejectedItems(const std::filesystem::path& rejected_dir,
                                            TimePoint since, size_t limit);

}  // namespace loa
