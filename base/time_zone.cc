#include "base/time_zone.h"

#include <date/tz.h>

#include <cstdio>
#include <exception>

namespace loa {

namespace {

using namespace std::chrono;

bool ReadTwoDigits(std::string_view s, size_t pos, int* out) {
  if (pos + 2 > s.size() || s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') {
    return false;
  }
  *out = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return true;
}

// IANA names are ASCII letters, digits and "/_-+"; anything else is refused
// before the database is asked (the text may come from anywhere).
bool LooksLikeZoneName(std::string_view text) {
  if (text.empty() || text.size() > 64 || text.front() == '/') return false;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return text.find("..") == std::string_view::npos;
}

}  // namespace

std::string FormatUtcOffset(minutes offset) {
  char sign = offset.count() < 0 ? '-' : '+';
  int total = static_cast<int>(offset.count() < 0 ? -offset.count() : offset.count());
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, total / 60, total % 60);
  return buf;
}

Result<TimeZone> TimeZone::Parse(std::string_view text) {
  if (text == "Z" || text == "UTC") return TimeZone();
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    int h = 0, m = 0;
    if (text.size() != 6 || text[3] != ':' || !ReadTwoDigits(text, 1, &h) ||
        !ReadTwoDigits(text, 4, &m) || h > 14 || m > 59) {
      return Error{"'" + std::string(text) + "' is not a UTC offset like +07:00"};
    }
    minutes off = hours(h) + minutes(m);
    return TimeZone(text[0] == '-' ? -off : off);
  }
  if (!LooksLikeZoneName(text)) {
    return Error{"a time zone is an IANA name like Asia/Ho_Chi_Minh or a UTC offset like +07:00"};
  }
  try {
    TimeZone zone;
    zone.named_ = date::locate_zone(text);
    return zone;
  } catch (const std::exception&) {
    return Error{"'" + std::string(text) +
                 "' is not a zone of the system's tz database (package tzdata), like "
                 "Asia/Ho_Chi_Minh, nor a UTC offset like +07:00"};
  }
}

minutes TimeZone::OffsetAt(TimePoint t) const {
  if (named_ == nullptr) return fixed_;
  return duration_cast<minutes>(named_->get_info(t).offset);
}

TimePoint TimeZone::FromLocal(TimePoint local) const {
  if (named_ == nullptr) return local - fixed_;
  date::local_time<Millis> wall{local.time_since_epoch()};
  date::local_info info = named_->get_info(wall);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier instant: first.offset
      return local - duration_cast<Millis>(info.first.offset);
    case date::local_info::nonexistent:  // skipped: the instant of the change
      return TimePoint(duration_cast<Millis>(info.second.begin.time_since_epoch()));
  }
  return local - duration_cast<Millis>(info.first.offset);
}

std::string TimeZone::Name() const {
  if (named_ != nullptr) return std::string(named_->name());
  return FormatUtcOffset(fixed_);
}

}  // namespace loa
