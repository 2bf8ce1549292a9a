#include "base/time.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

namespace loa {

namespace {

using namespace std::chrono;

bool ReadDigits(std::string_view s, size_t pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Error BadTime(std::string_view text) {
  return Error{"'" + std::string(text) +
               "' is not a time: expected RFC 3339 (2026-12-01T08:00:00+07:00) or "
               "'YYYY-MM-DD HH:MM[:SS]'"};
}

// The offset an RFC 3339 time ends with: "Z" or "+07:00".
std::optional<minutes> ReadOffset(std::string_view text) {
  if (text == "Z" || text == "z") return minutes(0);
  int h = 0, m = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
      !ReadDigits(text, 1, 2, &h) || !ReadDigits(text, 4, 2, &m) || h > 14 || m > 59) {
    return std::nullopt;
  }
  minutes off = hours(h) + minutes(m);
  return text[0] == '-' ? -off : off;
}

}  // namespace

Result<TimePoint> ParseTime(std::string_view text, const TimeZone& zone) {
  int y, mo, d, h, mi, s = 0;
  if (!ReadDigits(text, 0, 4, &y) || text.size() < 16 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, &mo) || text[7] != '-' || !ReadDigits(text, 8, 2, &d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ReadDigits(text, 11, 2, &h) ||
      text[13] != ':' || !ReadDigits(text, 14, 2, &mi)) {
    return BadTime(text);
  }
  size_t pos = 16;
  int millis = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadDigits(text, pos + 1, 2, &s)) return BadTime(text);
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return BadTime(text);
      for (; digits < 3; ++digits) millis *= 10;
    }
  }
  std::optional<minutes> offset;
  if (pos < text.size()) {
    offset = ReadOffset(text.substr(pos));
    if (!offset) return BadTime(text);
  }
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return BadTime(text);
  if (s == 60) s = 59;  // a leap second is read as the second before it
  sys_days days(ymd);
  TimePoint local =
      time_point_cast<Millis>(days) + hours(h) + minutes(mi) + seconds(s) + milliseconds(millis);
  return offset ? TimePoint(local - *offset) : zone.FromLocal(local);
}

std::string FormatUtc(TimePoint t, bool with_millis) {
  auto days = floor<std::chrono::days>(t);
  year_month_day ymd(days);
  hh_mm_ss hms(t - days);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                        unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                        int(hms.minutes().count()), int(hms.seconds().count()));
  if (with_millis) {
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", int(hms.subseconds().count()));
  } else {
    std::snprintf(buf + n, sizeof buf - n, "Z");
  }
  return buf;
}

std::string FormatLocal(TimePoint t, const TimeZone& zone) {
  minutes offset = zone.OffsetAt(t);
  std::string s = FormatUtc(t + offset, false);
  s.pop_back();  // drop the 'Z'
  return s + FormatUtcOffset(offset);
}

Result<Millis> ParseDuration(std::string_view text) {
  size_t i = 0;
  long long value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + (text[i] - '0');
    if (value > 1'000'000'000LL) return Error{"'" + std::string(text) + "' is too long"};
    ++i;
  }
  std::string_view unit = text.substr(i);
  if (i == 0) {
    return Error{"'" + std::string(text) + "' is not a duration like 30s, 10m, 1h or 7d"};
  }
  if (unit == "ms") return Millis(value);
  if (unit == "s" || unit.empty()) return Millis(seconds(value));
  if (unit == "m") return Millis(minutes(value));
  if (unit == "h") return Millis(hours(value));
  if (unit == "d") return Millis(hours(24 * value));
  return Error{"'" + std::string(text) + "' is not a duration like 30s, 10m, 1h or 7d"};
}

std::string FormatDuration(Millis d) {
  long long ms = d.count();
  if (ms % 86'400'000 == 0 && ms != 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<DailyWindow> ParseDailyWindow(std::string_view text) {
  int h1, m1, h2, m2;
  if (text.size() != 11 || !ReadDigits(text, 0, 2, &h1) || text[2] != ':' ||
      !ReadDigits(text, 3, 2, &m1) || text[5] != '-' || !ReadDigits(text, 6, 2, &h2) ||
      text[8] != ':' || !ReadDigits(text, 9, 2, &m2) || h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 ||
      (h1 == 24 && m1 != 0) || (h2 == 24 && m2 != 0)) {
    return Error{"'" + std::string(text) + "' is not a window like 06:00-22:00"};
  }
  return DailyWindow{hours(h1) + minutes(m1), hours(h2) + minutes(m2)};
}

TimePoint NextInWindow(TimePoint t, const DailyWindow& w, const TimeZone& zone) {
  const minutes day_len = hours(24);
  minutes start = w.start % day_len, end = w.end % day_len;
  if (w.start == w.end || (w.start.count() == 0 && w.end == day_len)) return t;
  TimePoint local = zone.ToLocal(t);
  auto midnight = floor<days>(local);
  minutes now_min = duration_cast<minutes>(local - midnight);
  bool inside =
      start < end ? (now_min >= start && now_min < end) : (now_min >= start || now_min < end);
  if (inside) return t;
  // Outside: the next opening is today's start if still ahead, else tomorrow's.
  TimePoint open = TimePoint(midnight + start);
  if (open <= local) open += day_len;
  // Across a DST change the opening's instant may still lie before t.
  return std::max(zone.FromLocal(open), t);
}

}  // namespace loa
