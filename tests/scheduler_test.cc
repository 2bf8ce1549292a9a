#include "queue/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace loa {
namespace {

using namespace std::chrono;

const TimeZone kZone = hours(7);

TimePoint Local(const char* text) {
  auto t = ParseTime(text, kZone);
  EXPECT_TRUE(t.ok()) << text;
  return *t;
}

// A "now" before every due time of these tests: when the item is due
// matters, not when loa looks.
const TimePoint kBefore = *ParseTime("2026-01-01 00:00", kZone);

Delivery Due(TimePoint due, int attempts = 0, std::optional<TimePoint> next = std::nullopt) {
  Delivery d;
  d.id = 1;
  d.post_id = "p";
  d.channel = "portal";
  d.due_at = due;
  d.attempts = attempts;
  d.next_attempt_at = next;
  return d;
}

ChannelConfig Channel(const char* window = nullptr, Millis min_interval = Millis(0)) {
  ChannelConfig c;
  c.name = "portal";
  c.type = "file";
  if (window) c.window = *ParseDailyWindow(window);
  c.min_interval = min_interval;
  return c;
}

TEST(EarliestSendTimeTest, PlainChannelSendsAtDue) {
  auto due = Local("2026-12-01 08:00");
  EXPECT_EQ(EarliestSendTime(Due(due), Channel(), std::nullopt, kBefore, kZone), due);
}

TEST(EarliestSendTimeTest, RetryWaitsForNextAttemptNotDue) {
  auto due = Local("2026-12-01 08:00");
  auto next = Local("2026-12-01 08:05");
  EXPECT_EQ(EarliestSendTime(Due(due, 1, next), Channel(), std::nullopt, kBefore, kZone), next);
}

TEST(EarliestSendTimeTest, OrderFollowsEffectiveDue) {
  std::vector<Delivery> ds = {
      Due(Local("2026-12-01 09:00")),
      Due(Local("2026-12-01 07:00"), 2, Local("2026-12-01 10:00")),  // retry later
      Due(Local("2026-12-01 08:30")),
      Due(Local("2026-12-01 23:30")),  // pushed to the next morning by the window
      Due(Local("2026-12-01 21:59")),
  };
  auto ch = Channel("06:00-22:00");
  std::vector<TimePoint> send;
  for (const auto& d : ds) send.push_back(EarliestSendTime(d, ch, std::nullopt, kBefore, kZone));
  std::vector<size_t> by_send(ds.size()), by_due(ds.size());
  for (size_t i = 0; i < ds.size(); ++i) by_send[i] = by_due[i] = i;
  std::stable_sort(by_send.begin(), by_send.end(),
                   [&](size_t a, size_t b) { return send[a] < send[b]; });
  std::stable_sort(by_due.begin(), by_due.end(),
                   [&](size_t a, size_t b) { return ds[a].EffectiveDue() < ds[b].EffectiveDue(); });
  EXPECT_EQ(by_send, by_due);
  EXPECT_EQ(by_send, (std::vector<size_t>{2, 0, 1, 4, 3}));
  EXPECT_EQ(send[3], Local("2026-12-02 06:00"));
}

TEST(EarliestSendTimeTest, DayWindowPushesLateItemToNextMorning) {
  auto ch = Channel("06:00-22:00");
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 23:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-02 06:00"));
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 05:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-01 06:00"));
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 12:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-01 12:00"));
  // The end of the window is exclusive.
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 22:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-02 06:00"));
}

TEST(EarliestSendTimeTest, OvernightWindow) {
  auto ch = Channel("22:00-06:00");
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 23:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-01 23:00"));
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-02 03:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-02 03:00"));
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-01 12:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-01 22:00"));
  EXPECT_EQ(EarliestSendTime(Due(Local("2026-12-02 06:00")), ch, std::nullopt, kBefore, kZone),
            Local("2026-12-02 22:00"));
}

TEST(EarliestSendTimeTest, AnOverdueItemFoundWhileTheWindowIsClosedWaitsForItsOpening) {
  // Due yesterday morning; its own day's opening has long passed, but loa
  // looks at it now, at night: it waits for the next opening, not "at once".
  const Delivery yesterday = Due(Local("2026-12-02 10:00"));
  auto day = Channel("06:00-22:00");
  EXPECT_EQ(EarliestSendTime(yesterday, day, std::nullopt, Local("2026-12-02 23:00"), kZone),
            Local("2026-12-03 06:00"));
  // Inside the window it goes now.
  EXPECT_EQ(EarliestSendTime(yesterday, day, std::nullopt, Local("2026-12-03 14:30"), kZone),
            Local("2026-12-03 14:30"));
  auto night = Channel("22:00-06:00");
  EXPECT_EQ(EarliestSendTime(yesterday, night, std::nullopt, Local("2026-12-03 14:30"), kZone),
            Local("2026-12-03 22:00"));
  // Without a window an overdue item is due as it is (the engine sends it).
  EXPECT_EQ(EarliestSendTime(yesterday, Channel(), std::nullopt, Local("2026-12-03 14:30"), kZone),
            Local("2026-12-02 10:00"));
}

TEST(EarliestSendTimeTest, WindowIsReadInTheConfiguredZone) {
  auto ch = Channel("06:00-22:00");
  // 23:00 UTC is 06:00 in +07:00 but still night in UTC.
  auto t = *ParseTime("2026-12-01T23:00:00Z", kZone);
  EXPECT_EQ(EarliestSendTime(Due(t), ch, std::nullopt, kBefore, kZone), t);
  EXPECT_EQ(EarliestSendTime(Due(t), ch, std::nullopt, kBefore, TimeZone()),
            *ParseTime("2026-12-02T06:00:00Z", kZone));
}

TEST(EarliestSendTimeTest, MinIntervalSpacesAttempts) {
  auto ch = Channel(nullptr, minutes(10));
  auto due = Local("2026-12-01 08:00");
  auto last = Local("2026-12-01 07:55");
  EXPECT_EQ(EarliestSendTime(Due(due), ch, last, kBefore, kZone), Local("2026-12-01 08:05"));
  // A last attempt long ago does not delay anything.
  EXPECT_EQ(EarliestSendTime(Due(due), ch, Local("2026-12-01 06:00"), kBefore, kZone), due);
  // Exactly min_interval apart is allowed.
  EXPECT_EQ(EarliestSendTime(Due(due), ch, Local("2026-12-01 07:50"), kBefore, kZone), due);
}

TEST(EarliestSendTimeTest, SpacingThatLeavesTheWindowMovesToNextOpening) {
  auto ch = Channel("06:00-22:00", minutes(10));
  auto due = Local("2026-12-01 21:50");
  auto last = Local("2026-12-01 21:55");
  EXPECT_EQ(EarliestSendTime(Due(due), ch, last, kBefore, kZone), Local("2026-12-02 06:00"));
}

TEST(EarliestSendTimeTest, SpacingStillHoldsAfterTheWindowOpens) {
  // A long spacing (9 h) from an attempt just before the window closed.
  auto ch = Channel("06:00-22:00", hours(9));
  auto last = Local("2026-12-01 21:59");
  auto due = Local("2026-12-02 05:00");
  // 06:00 opens the window, but 21:59 + 9 h = 06:59 is later.
  EXPECT_EQ(EarliestSendTime(Due(due), ch, last, kBefore, kZone), Local("2026-12-02 06:59"));
}

TEST(EarliestSendTimeTest, APendingPollIgnoresTheWindowButKeepsTheSpacing) {
  auto ch = Channel("06:00-22:00", minutes(1));
  Delivery d = Due(Local("2026-12-01 21:00"), 0, Local("2026-12-01 22:30"));
  EXPECT_EQ(EarliestSendTime(d, ch, std::nullopt, kBefore, kZone), Local("2026-12-02 06:00"));
  d.resume_token = "verify-1";
  EXPECT_EQ(EarliestSendTime(d, ch, std::nullopt, kBefore, kZone), Local("2026-12-01 22:30"));
  EXPECT_EQ(EarliestSendTime(d, ch, Local("2026-12-01 22:29:30"), kBefore, kZone),
            Local("2026-12-01 22:30:30"));
}

TEST(IsMissedTest, APendingDeliveryIsNeverMissed) {
  Delivery d = Due(Local("2026-12-01 08:00"));
  EXPECT_TRUE(IsMissed(d, Local("2026-12-02 08:00"), hours(1)));
  d.resume_token = "verify-1";  // the channel took it: it is being finished
  EXPECT_FALSE(IsMissed(d, Local("2026-12-02 08:00"), hours(1)));
}

TEST(IsMissedTest, LatenessWithManualClock) {
  ManualClock clock(Local("2026-12-01 08:00"));
  auto d = Due(Local("2026-12-01 08:00"));
  const Millis max_lateness = hours(24 * 7);
  EXPECT_FALSE(IsMissed(d, clock.Now(), max_lateness));
  clock.Advance(hours(24 * 7));
  EXPECT_FALSE(IsMissed(d, clock.Now(), max_lateness));  // exactly at the limit: still sent
  clock.Advance(Millis(1));
  EXPECT_TRUE(IsMissed(d, clock.Now(), max_lateness));
}

TEST(IsMissedTest, FutureAndRetriedDeliveriesAreNeverMissed) {
  ManualClock clock(Local("2026-12-20 08:00"));
  EXPECT_FALSE(IsMissed(Due(Local("2026-12-21 08:00")), clock.Now(), hours(1)));
  // Already tried once: its retries go on however late it is.
  auto retried = Due(Local("2026-12-01 08:00"), 1, Local("2026-12-20 07:00"));
  EXPECT_FALSE(IsMissed(retried, clock.Now(), hours(1)));
  EXPECT_TRUE(IsMissed(Due(Local("2026-12-01 08:00")), clock.Now(), hours(1)));
}

}  // namespace
}  // namespace loa
