// The schedule as an RFC 5545 iCalendar feed (GET /calendar.ics,
// docs/control-api.md), so the Office sees in its own calendar application
// what loa will publish and what became of what was due lately: one event
// per item and due time, each channel's state (and link) in its description.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "queue/store.h"

namespace loa {

// One channel's delivery of an event, as the Office reads it.
struct CalendarChannel {
  std::string name;
  std::string state;  // Vietnamese, as the dashboard says it: "Chờ đăng", "Đã đăng", "Bỏ lỡ"...
  std::string url;  // the published post's address, when it is a web one
};

// One item due at one time, on the channels listed.
struct CalendarEvent {
  std::string item;  // an item id: [a-z0-9][a-z0-9._-]*
  TimePoint due{};
  std::string title;
  std::vector<CalendarChannel> channels;
};

// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped,
// line breaks as "\n", other control characters dropped, ill-formed UTF-8
// replaced.
std::string IcsText(std::string_view text);

// One content line folded (RFC 5545 3.1): at most 75 octets a line, each
// continuation starting with a space, never inside a UTF-8 sequence; every
// line ends with CRLF.
std::string IcsLine(std::string_view line);

// "20261203T010000Z": a DATE-TIME in UTC.
std::string IcsUtc(TimePoint t);

// The deliveries grouped by item and due time, in the listings' order;
// channels in the order met.
std::vector<CalendarEvent> CalendarEvents(const std::vector<DeliveryListing>& listings);

// The whole VCALENDAR; `now` is every event's DTSTAMP.
std::string IcsCalendar(const std::vector<CalendarEvent>& events, TimePoint now);

}  // namespace loa
