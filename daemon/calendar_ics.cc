#include "daemon/calendar_ics.h"

#include <map>
#include <utility>

#include "base/time.h"
#include "base/url.h"
#include "daemon/report.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

constexpr size_t kMaxLineOctets = 75;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string IcsText(std::string_view text) {
  size_t replaced = 0;
  const std::string valid = RepairUtf8(text, &replaced);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size(); ++i) {
    const char c = valid[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        // CRLF is one line break; a lone CR is one too.
        if (i + 1 < valid.size() && valid[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        // TEXT holds no control characters but HTAB.
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) break;
        out += c;
    }
  }
  return out;
}

std::string IcsLine(std::string_view line) {
  std::string out;
  size_t budget = kMaxLineOctets;  // the first line; later ones lose one to the space
  while (line.size() > budget) {
    size_t cut = budget;
    while (cut > 0 && IsContinuationByte(line[cut])) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    budget = kMaxLineOctets - 1;
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string IcsUtc(TimePoint t) {
  std::string out;
  for (char c : FormatUtc(t, /*with_millis=*/false)) {
    if (c != '-' && c != ':') out += c;
  }
  return out;
}

std::vector<CalendarEvent> CalendarEvents(const std::vector<DeliveryListing>& listings) {
  std::vector<CalendarEvent> events;
  std::map<std::pair<std::string, TimePoint>, size_t> index;
  for (const DeliveryListing& l : listings) {
    const Delivery& d = l.delivery;
    auto [it, added] = index.try_emplace({d.post_id, d.due_at}, events.size());
    if (added) events.push_back({d.post_id, d.due_at, l.title, {}});
    const bool web_link = d.state == DeliveryState::kPublished && IsWebLink(d.remote_url);
    events[it->second].channels.push_back(
        {d.channel, DeliveryStateLabel(d), web_link ? d.remote_url : std::string()});
  }
  return events;
}

std::string IcsCalendar(const std::vector<CalendarEvent>& events, TimePoint now) {
  std::string out;
  out += IcsLine("BEGIN:VCALENDAR");
  out += IcsLine("VERSION:2.0");
  out += IcsLine("PRODID:-//loa//Lich dang//VI");
  out += IcsLine("CALSCALE:GREGORIAN");
  out += IcsLine("METHOD:PUBLISH");
  out += IcsLine("X-WR-CALNAME:" + IcsText("Lịch đăng (loa)"));
  const std::string stamp = IcsUtc(now);
  for (const CalendarEvent& e : events) {
    std::string channels;
    std::string links;
    for (const CalendarChannel& c : e.channels) {
      channels += (channels.empty() ? "" : ", ") + c.name + " (" + c.state + ")";
      if (!c.url.empty()) links += "\n" + c.name + ": " + c.url;
    }
    const std::string due = IcsUtc(e.due);
    out += IcsLine("BEGIN:VEVENT");
    // Stable across fetches, so a calendar application updates the event
    // in place instead of adding it again.
    out += IcsLine("UID:" + e.item + "-" + due + "@loa");
    out += IcsLine("DTSTAMP:" + stamp);
    out += IcsLine("DTSTART:" + due);
    out += IcsLine("SUMMARY:" + IcsText(e.title));
    out += IcsLine("DESCRIPTION:" + IcsText("Kênh: " + channels + "\nMã tin: " + e.item + links));
    out += IcsLine("TRANSP:TRANSPARENT");
    out += IcsLine("END:VEVENT");
  }
  out += IcsLine("END:VCALENDAR");
  return out;
}

}  // namespace loa
