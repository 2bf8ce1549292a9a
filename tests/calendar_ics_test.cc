// The schedule as iCalendar (daemon/calendar_ics.h): TEXT escaping, line
// folding on octets without splitting a character, and the calendar's
// structure as RFC 5545 gives it.
#include "daemon/calendar_ics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "base/time.h"
#include "inbox/utf8.h"

namespace loa {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const TimeZone kZone = std::chrono::hours(7);

TimePoint Local(const char* text) { return ParseTime(text, kZone).value(); }

// The physical lines of `ics` (each must end with CRLF).
std::vector<std::string> PhysicalLines(const std::string& ics) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < ics.size()) {
    const size_t end = ics.find("\r\n", at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "a line does not end with CRLF: " << ics.substr(at);
      break;
    }
    lines.push_back(ics.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

// The content lines, folds undone (RFC 5545 3.1).
std::vector<std::string> Unfolded(const std::string& ics) {
  std::vector<std::string> lines;
  for (const std::string& line : PhysicalLines(ics)) {
    if (!line.empty() && line[0] == ' ') {
      EXPECT_FALSE(lines.empty());
      if (!lines.empty()) lines.back() += line.substr(1);
    } else {
      lines.push_back(line);
    }
  }
  return lines;
}

TEST(CalendarIcsTest, TextEscapesBackslashSemicolonCommaAndLineBreaks) {
  EXPECT_EQ(IcsText("a\\b;c,d"), "a\\\\b\\;c\\,d");
  EXPECT_EQ(IcsText("một\ndòng\r\nhai\rba"), "một\\ndòng\\nhai\\nba");
  EXPECT_EQ(IcsText("tab\there"), "tab\there");
  EXPECT_EQ(IcsText(std::string("bell\x07 esc\x1b"
                                " del\x7f nul") +
                    '\0' + "x"),
            "bell esc del nulx");
  EXPECT_EQ(IcsText("bad \xff byte"), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(IcsText("Tiêu đề: \"trích dẫn\""), "Tiêu đề: \"trích dẫn\"");
}

TEST(CalendarIcsTest, LinesFoldAtSeventyFiveOctets) {
  const std::string exact(75, 'a');
  EXPECT_EQ(IcsLine(exact), exact + "\r\n");
  const std::string over(76, 'a');
  EXPECT_EQ(IcsLine(over), std::string(75, 'a') + "\r\n a\r\n");
  const std::string longer(300, 'x');
  const std::vector<std::string> lines = PhysicalLines(IcsLine(longer));
  ASSERT_EQ(lines.size(), 5u);  // 75 + 74 + 74 + 74 + 3
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u);
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
  }
  EXPECT_THAT(Unfolded(IcsLine(longer)), ElementsAre(longer));
}

TEST(CalendarIcsTest, FoldingNeverSplitsACharacter) {
  // Two-, three- and four-byte characters at every offset against the fold.
  for (const std::string ch : {"ă", "ệ", "𝄞"}) {
    for (size_t pad = 0; pad < 4; ++pad) {
      std::string line = "SUMMARY:" + std::string(pad, 'x');
      for (int i = 0; i < 60; ++i) line += ch;
      SCOPED_TRACE(ch + " after " + std::to_string(pad));
      const std::string folded = IcsLine(line);
      for (const std::string& physical : PhysicalLines(folded)) {
        EXPECT_LE(physical.size(), 75u);
        EXPECT_TRUE(IsValidUtf8(physical)) << physical;
      }
      EXPECT_THAT(Unfolded(folded), ElementsAre(line));
    }
  }
}

TEST(CalendarIcsTest, TimesAreUtcDateTimes) {
  EXPECT_EQ(IcsUtc(Local("2026-12-03 08:00")), "20261203T010000Z");
  EXPECT_EQ(IcsUtc(Local("2026-12-01 05:30:15")), "20261130T223015Z");
}

std::vector<std::string> Names(const CalendarEvent& event) {
  std::vector<std::string> names;
  for (const CalendarChannel& c : event.channels) names.push_back(c.name);
  return names;
}

DeliveryListing Listing(const char* item, const char* channel, const char* due,
                        DeliveryState state = DeliveryState::kScheduled, const char* url = "",
                        const char* error = "") {
  DeliveryListing l;
  l.delivery.post_id = item;
  l.delivery.channel = channel;
  l.delivery.due_at = Local(due);
  l.delivery.state = state;
  l.delivery.remote_url = url;
  l.delivery.last_error = error;
  l.title = std::string("Tin ") + item;
  return l;
}

TEST(CalendarIcsTest, DeliveriesOfOneItemAndTimeAreOneEvent) {
  std::vector<CalendarEvent> events = CalendarEvents({
      Listing("a", "portal", "2026-12-03 08:00"),
      Listing("b", "portal", "2026-12-03 09:00"),
      Listing("a", "facebook", "2026-12-03 08:00"),
      Listing("a", "zalo", "2026-12-04 08:00"),
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].item, "a");
  EXPECT_THAT(Names(events[0]), ElementsAre("portal", "facebook"));
  EXPECT_EQ(events[0].title, "Tin a");
  EXPECT_EQ(events[1].item, "b");
  EXPECT_EQ(events[2].item, "a");
  EXPECT_THAT(Names(events[2]), ElementsAre("zalo"));
  EXPECT_EQ(events[2].due, Local("2026-12-04 08:00"));
}

TEST(CalendarIcsTest, EachChannelSaysWhatBecameOfItAndLinksOnlyToTheWeb) {
  std::vector<CalendarEvent> events = CalendarEvents({
      Listing("a", "portal", "2026-11-03 08:00", DeliveryState::kPublished,
              "https://stp.angiang.gov.vn/tin/a"),
      Listing("a", "outbox", "2026-11-03 08:00", DeliveryState::kPublished,
              "file:///var/lib/loa/outbox/a.html"),
      Listing("a", "facebook", "2026-11-03 08:00", DeliveryState::kFailed, "",
              "missed: due 2026-11-03T01:00:00Z, more than max_lateness (7d) ago"),
      Listing("a", "zalo", "2026-11-03 08:00", DeliveryState::kFailed, "", "HTTP 400"),
      Listing("a", "cchc", "2026-11-03 08:00", DeliveryState::kUncertain),
      Listing("a", "legal-aid", "2026-11-03 08:00", DeliveryState::kSending),
      Listing("b", "portal", "2026-12-03 08:00"),
  });
  ASSERT_EQ(events.size(), 2u);
  std::vector<std::string> states;
  for (const CalendarChannel& c : events[0].channels) states.push_back(c.name + " " + c.state);
  EXPECT_THAT(states, ElementsAre("portal Đã đăng", "outbox Đã đăng", "facebook Bỏ lỡ",
                                  "zalo Thất bại", "cchc Chưa rõ kết quả", "legal-aid Đang gửi"));
  EXPECT_EQ(events[0].channels[0].url, "https://stp.angiang.gov.vn/tin/a");
  EXPECT_EQ(events[0].channels[1].url, "");
  EXPECT_EQ(events[1].channels[0].state, "Chờ đăng");

  const std::vector<std::string> lines = Unfolded(IcsCalendar(events, Local("2026-12-01 08:00")));
  EXPECT_THAT(lines, ::testing::Contains(
                         "DESCRIPTION:Kênh: portal (Đã đăng)\\, outbox (Đã đăng)\\, facebook (Bỏ "
                         "lỡ)\\, zalo (Thất bại)\\, cchc (Chưa rõ kết quả)\\, legal-aid (Đang "
                         "gửi)\\nMã tin: a\\nportal: https://stp.angiang.gov.vn/tin/a"));
  EXPECT_THAT(lines, ::testing::Contains("DESCRIPTION:Kênh: portal (Chờ đăng)\\nMã tin: b"));
}

TEST(CalendarIcsTest, TheCalendarHasTheStructureRfc5545Asks) {
  const std::string long_title =
      "Thông báo về việc tổ chức Hội nghị tổng kết công tác tư pháp năm 2026, "
      "phương hướng; nhiệm vụ năm 2027 \\ phần 1";
  const std::string ics = IcsCalendar({{"hoi-nghi-2026",
                                        Local("2026-12-03 08:00"),
                                        long_title,
                                        {{"portal", "Chờ đăng", ""}, {"facebook", "Chờ đăng", ""}}},
                                       {"lich-tiep-dan",
                                        Local("2026-12-05 14:30"),
                                        "Lịch tiếp công dân",
                                        {{"zalo", "Chờ đăng", ""}}}},
                                      Local("2026-12-01 08:00"));
  for (const std::string& line : PhysicalLines(ics)) {
    EXPECT_LE(line.size(), 75u) << line;
    EXPECT_TRUE(IsValidUtf8(line)) << line;
  }
  const std::vector<std::string> lines = Unfolded(ics);
  ASSERT_GE(lines.size(), 4u);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_EQ(lines[1], "VERSION:2.0");
  EXPECT_EQ(lines[2].rfind("PRODID:", 0), 0u);
  // Every component closed where it opens, events inside the calendar
  // only, and each event with its required properties once.
  std::vector<std::vector<std::string>> events;
  bool in_event = false;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    ASSERT_NE(line.find(':'), std::string::npos) << line;
    if (line == "BEGIN:VEVENT") {
      ASSERT_FALSE(in_event);
      in_event = true;
      events.emplace_back();
    } else if (line == "END:VEVENT") {
      ASSERT_TRUE(in_event);
      in_event = false;
    } else if (in_event) {
      events.back().push_back(line);
    }
  }
  EXPECT_FALSE(in_event);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_THAT(events[0],
              ElementsAre("UID:hoi-nghi-2026-20261203T010000Z@loa", "DTSTAMP:20261201T010000Z",
                          "DTSTART:20261203T010000Z",
                          "SUMMARY:Thông báo về việc tổ chức Hội nghị tổng kết công tác tư pháp "
                          "năm 2026\\, phương hướng\\; nhiệm vụ năm 2027 \\\\ phần 1",
                          "DESCRIPTION:Kênh: portal (Chờ đăng)\\, facebook (Chờ đăng)\\nMã tin: "
                          "hoi-nghi-2026",
                          "TRANSP:TRANSPARENT"));
  EXPECT_THAT(events[1], ::testing::Contains("UID:lich-tiep-dan-20261205T073000Z@loa"));
  EXPECT_THAT(events[1], ::testing::Contains("SUMMARY:Lịch tiếp công dân"));
  // Nothing but CRLF ends a line.
  EXPECT_EQ(ics.find("\n"), ics.find("\r\n") + 1);
  std::string without_crlf = ics;
  for (size_t at; (at = without_crlf.find("\r\n")) != std::string::npos;) without_crlf.erase(at, 2);
  EXPECT_EQ(without_crlf.find_first_of("\r\n"), std::string::npos);
}

TEST(CalendarIcsTest, AnEmptyScheduleIsAnEmptyCalendar) {
  const std::vector<std::string> lines = Unfolded(IcsCalendar({}, Local("2026-12-01 08:00")));
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "END:VCALENDAR");
  EXPECT_THAT(lines, ::testing::Not(::testing::Contains("BEGIN:VEVENT")));
}

}  // namespace
}  // namespace loa
