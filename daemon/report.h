// The Office's periodic report (README "For the Office", "Reports"): what
// was published in a period of local days, counted by channel, topic, form
// and unit, the list of publications with their links, and the deliveries
// that failed, were missed or are uncertain, with their reasons. Built from
// Store::SettledBetween (queue/store.h); printed by daemon/report_render.h,
// served by daemon/report_api.h, asked for by `loa report`
// (daemon/report_command.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "queue/store.h"

namespace loa {

// The zone the config gives; passed on, never computed with.
using ReportZone = decltype(Config::timezone);

// A period of whole local days, `from_date` to `to_date` included.
struct ReportPeriod {
  std::string from_date;  // "2026-10-01"
  std::string to_date;    // "2026-12-31"
  TimePoint from{};       // local midnight starting from_date
  TimePoint to{};         // local midnight after to_date (excluded)
};

// At most this many days in one report: two years, a leap day included.
inline constexpr int kMaxReportDays = 731;

// Reads "YYYY-MM-DD" dates in `zone`: both valid calendar dates, from <=
// to, at most kMaxReportDays days. The error names the parameter.
Result<ReportPeriod> ParseReportPeriod(std::string_view from, std::string_view to,
                                       const ReportZone& zone);

// One delivery in the report, with its labels already looked up.
struct ReportEntry {
  std::string item;
  int revision = 0;
  std::string title;  // as the delivery carried it
  std::string channel;
  std::string channel_label;
  std::vector<std::string> topic_labels;
  std::string form_label;  // "" when the item gives no form
  std::string unit_label;  // "" when the item gives no unit
  // "published", "failed", "missed" or "uncertain".
  std::string outcome;
  std::string at;   // when it settled: RFC 3339 in the config's zone
  std::string url;  // the published post; "" when none
  std::string error;
};

// One row of a summary table: a channel, topic, form or unit and how many.
struct ReportCount {
  std::string label;
  int published = 0;  // channels: publications; the others: items
  // Channels only: deliveries that failed, were missed, are uncertain.
  int failed = 0;
  int missed = 0;
  int uncertain = 0;
};

struct Report {
  std::string organisation;
  std::string from_date, to_date;       // "YYYY-MM-DD"
  std::string generated_at;             // RFC 3339 in the config's zone
  int items = 0;                        // items published on at least one channel
  int publications = 0;                 // deliveries published
  std::vector<ReportCount> by_channel;  // every channel with a row, by label
  std::vector<ReportCount> by_topic;    // by count, then label; an item counts once per topic
  std::vector<ReportCount> by_form;
  std::vector<ReportCount> by_unit;
  std::vector<ReportEntry> published;  // by time
  std::vector<ReportEntry> problems;   // failed, missed, uncertain; by time
};

// What `settled` (Store::SettledBetween of the period) adds up to.
Report BuildReport(const std::vector<SettledDelivery>& settled, const ReportPeriod& period,
                   const LabelsConfig& labels, const ReportZone& zone, TimePoint now);

// The by-channel table's "Tổng cộng" row: every column added up.
ReportCount ChannelTotal(const Report& report);

// The labels the report prints for an entry's outcome and when a summary
// row has no value ("(không ghi)").
std::string OutcomeLabel(std::string_view outcome);
// A delivery's state in the same words ("Chờ đăng", "Đang gửi", "Bỏ lỡ" for
// one failed as missed), as the dashboard shows it.
std::string DeliveryStateLabel(const Delivery& delivery);
extern const char* const kNoValueLabel;

// "2026-10-01" -> "01/10/2026", as Vietnamese documents write dates.
std::string VietnameseDate(std::string_view iso_date);
// "2026-12-02T08:00:00+07:00" -> "02/12/2026 08:00" (the local time as it is).
std::string VietnameseTime(std::string_view local_time);

}  // namespace loa
