// Time text formats loa reads and writes. Stored times are always UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"
#include "base/time_zone.h"

namespace loa {

// Item times: RFC 3339 with an offset or "Z", or without an offset as
// "YYYY-MM-DD HH:MM[:SS]" / "YYYY-MM-DDTHH:MM[:SS]" read in `zone`.
// Fractional seconds are accepted and truncated to milliseconds.
Result<TimePoint> ParseTime(std::string_view text, const TimeZone& zone);

// "2026-12-01T01:00:00.000Z" (with_millis) or "2026-12-01T01:00:00Z".
std::string FormatUtc(TimePoint t, bool with_millis = true);
// "2026-12-01T08:00:00+07:00": for people, with the offset in effect at t.
std::string FormatLocal(TimePoint t, const TimeZone& zone);

// Durations: "500ms", "30s", "10m", "1h", "7d"; a bare number is seconds.
Result<Millis> ParseDuration(std::string_view text);
std::string FormatDuration(Millis d);

// A daily local-time window "06:00-22:00" in which a channel may publish.
// start == end means all day; start > end wraps past midnight ("22:00-06:00").
struct DailyWindow {
  std::chrono::minutes start{0};
  std::chrono::minutes end{0};
};
Result<DailyWindow> ParseDailyWindow(std::string_view text);
// The earliest instant >= t that lies inside the window.
TimePoint NextInWindow(TimePoint t, const DailyWindow& window, const TimeZone& zone);

}  // namespace loa
