// The zone item times without an offset are read in, and times are shown
// in: an IANA name ("Asia/Ho_Chi_Minh", from the system's tz database
// through Howard Hinnant's date library) or a fixed UTC offset ("+07:00").
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace date {
class time_zone;
}

namespace loa {

class TimeZone {
 public:
  // UTC.
  constexpr TimeZone() = default;
  // A fixed offset east of UTC (tests, and what "+07:00" means).
  template <class Rep, class Period>
  constexpr TimeZone(std::chrono::duration<Rep, Period> offset)  // NOLINT: reads as its offset
      : fixed_(std::chrono::duration_cast<std::chrono::minutes>(offset)) {}

  // "Z", "UTC", "+07:00" / "-03:30", or an IANA name the system's tz
  // database knows. The error names what was wrong.
  static Result<TimeZone> Parse(std::string_view text);

  // The offset from UTC in effect at `t`.
  std::chrono::minutes OffsetAt(TimePoint t) const;
  // The UTC instant of a local wall-clock time (given as if it were UTC).
  // A time a DST change skips is read as the instant of the change; a time
  // it repeats, as the earlier of the two.
  TimePoint FromLocal(TimePoint local) const;
  // The local wall-clock time of `t` (as if it were UTC).
  TimePoint ToLocal(TimePoint t) const { return t + OffsetAt(t); }

  // What Parse read: the IANA name, or the offset as "+07:00".
  std::string Name() const;
  bool named() const { return named_ != nullptr; }

  friend bool operator==(const TimeZone& a, const TimeZone& b) {
    return a.named_ == b.named_ && (a.named_ != nullptr || a.fixed_ == b.fixed_);
  }

 private:
  std::chrono::minutes fixed_{0};
  const date::time_zone* named_ = nullptr;  // owned by the library's database, never freed
};

// "+07:00", "-03:30", "+00:00".
std::string FormatUtcOffset(std::chrono::minutes offset);

}  // namespace loa
