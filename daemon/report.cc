#include "daemon/report.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "base/time.h"
#include "daemon/tables.h"

namespace loa {

namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

// "YYYY-MM-DD" with digits where they belong and a real calendar date.
Result<year_month_day> ParseDate(std::string_view name, std::string_view text) {
  const std::string expected =
      std::string(name) + ": expected a local date YYYY-MM-DD, like 2026-10-01";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Error{expected, Error::Code::kInvalid};
  }
  auto number = [&](size_t at, size_t len, int* out) {
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + len, *out);
    return ec == std::errc() && end == text.data() + at + len;
  };
  int y = 0, m = 0, d = 0;
  if (!number(0, 4, &y) || !number(5, 2, &m) || !number(8, 2, &d)) {
    return Error{expected, Error::Code::kInvalid};
  }
  year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                      std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) {
    return Error{std::string(name) + ": no such date: " + std::string(text), Error::Code::kInvalid};
  }
  return date;
}

std::string DateText(year_month_day date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buf;
}

// Local midnight at the start of `date`, as the plan reads a local day.
Result<TimePoint> Midnight(std::string_view name, const std::string& date, const ReportZone& zone) {
  auto t = ParseTime(date + " 00:00", zone);
  if (!t.ok()) return Error{std::string(name) + ": " + t.error(), Error::Code::kInvalid};
  return t;
}

// A summary table being added up: label -> count.
struct Tally {
  std::map<std::string, ReportCount> rows;
  ReportCount& Row(const std::string& label) {
    ReportCount& row = rows[label];
    row.label = label;
    return row;
  }
  // Most first, then by label, so the themes the period was about lead.
  std::vector<ReportCount> ByCount() const {
    std::vector<ReportCount> out;
    for (const auto& [label, row] : rows) out.push_back(row);
    std::stable_sort(out.begin(), out.end(), [](const ReportCount& a, const ReportCount& b) {
      return a.published > b.published;
    });
    return out;
  }
};

const std::string& OrNone(const std::string& label) {
  static const std::string none = kNoValueLabel;
  return label.empty() ? none : label;
}

// Every text of an entry as one line with nothing a terminal or a viewer
// acts on: platform errors hold line breaks and anything else, and the
// report goes to terminals, spreadsheets and pages alike.
void Defuse(ReportEntry& e) {
  for (std::string* text : {&e.item, &e.title, &e.channel, &e.channel_label, &e.form_label,
                            &e.unit_label, &e.url, &e.error}) {
    *text = TerminalText(*text);
  }
  for (std::string& topic : e.topic_labels) topic = TerminalText(topic);
}

}  // namespace

const char* const kNoValueLabel = "(không ghi)";

std::string OutcomeLabel(std::string_view outcome) {
  if (outcome == "published") return "Đã đăng";
  if (outcome == "failed") return "Thất bại";
  if (outcome == "missed") return "Bỏ lỡ";
  if (outcome == "uncertain") return "Chưa rõ kết quả";
  if (outcome == "cancelled") return "Đã hủy";
  if (outcome == "retracted") return "Đã gỡ";
  return std::string(outcome);
}

ReportCount ChannelTotal(const Report& report) {
  ReportCount total;
  total.label = "Tổng cộng";
  for (const ReportCount& c : report.by_channel) {
    total.published += c.published;
    total.failed += c.failed;
    total.missed += c.missed;
    total.uncertain += c.uncertain;
  }
  return total;
}

std::string DeliveryStateLabel(const Delivery& delivery) {
  switch (delivery.state) {
    case DeliveryState::kScheduled:
      return "Chờ đăng";
    case DeliveryState::kSending:
      return "Đang gửi";
    case DeliveryState::kFailed:
      // The engine marks a missed delivery failed with this prefix
      // (queue/engine.cc).
      return OutcomeLabel(delivery.last_error.starts_with("missed:") ? "missed" : "failed");
    default:
      return OutcomeLabel(StateName(delivery.state));
  }
}

std::string VietnameseDate(std::string_view iso_date) {
  if (iso_date.size() < 10) return std::string(iso_date);
  return std::string(iso_date.substr(8, 2)) + "/" + std::string(iso_date.substr(5, 2)) + "/" +
         std::string(iso_date.substr(0, 4));
}

std::string VietnameseTime(std::string_view local_time) {
  if (local_time.size() < 16) return std::string(local_time);
  return VietnameseDate(local_time.substr(0, 10)) + " " + std::string(local_time.substr(11, 5));
}

Result<ReportPeriod> ParseReportPeriod(std::string_view from, std::string_view to,
                                       const ReportZone& zone) {
  auto first = ParseDate("from", from);
  if (!first.ok()) return first.failure();
  auto last = ParseDate("to", to);
  if (!last.ok()) return last.failure();
  const auto days = (sys_days(*last) - sys_days(*first)).count() + 1;
  if (days < 1) {
    return Error{"from (" + DateText(*first) + ") is after to (" + DateText(*last) + ")",
                 Error::Code::kInvalid};
  }
  if (days > kMaxReportDays) {
    return Error{"the period is " + std::to_string(days) + " days; a report covers at most " +
                     std::to_string(kMaxReportDays) + " (two years)",
                 Error::Code::kInvalid};
  }
  ReportPeriod period;
  period.from_date = DateText(*first);
  period.to_date = DateText(*last);
  auto start = Midnight("from", period.from_date, zone);
  if (!start.ok()) return start.failure();
  auto end = Midnight("to", DateText(year_month_day(sys_days(*last) + std::chrono::days(1))), zone);
  if (!end.ok()) return end.failure();
  period.from = *start;
  period.to = *end;
  return period;
}

Report BuildReport(const std::vector<SettledDelivery>& settled, const ReportPeriod& period,
                   const LabelsConfig& labels, const ReportZone& zone, TimePoint now) {
  Report report;
  report.organisation = labels.organisation;
  report.from_date = period.from_date;
  report.to_date = period.to_date;
  report.generated_at = FormatLocal(now, zone);
  Tally channels, topics, forms, units;
  std::set<std::string> items;
  for (const SettledDelivery& s : settled) {
    ReportEntry e;
    e.item = s.delivery.post_id;
    e.revision = s.revision;
    e.title = s.title;
    e.channel = s.delivery.channel;
    e.channel_label = LabelsConfig::Of(labels.channels, e.channel);
    for (const std::string& topic : s.topics) {
      e.topic_labels.push_back(LabelsConfig::Of(labels.topics, topic));
    }
    if (!s.form.empty()) e.form_label = LabelsConfig::Of(labels.forms, s.form);
    if (!s.unit.empty()) e.unit_label = LabelsConfig::Of(labels.units, s.unit);
    e.outcome = AttemptOutcomeName(s.outcome);
    e.at = FormatLocal(s.settled_at, zone);
    e.error = s.error;
    if (s.outcome == AttemptOutcome::kPublished) e.url = s.delivery.remote_url;
    Defuse(e);
    ReportCount& channel = channels.Row(e.channel_label);
    if (s.outcome != AttemptOutcome::kPublished) {
      if (s.outcome == AttemptOutcome::kMissed) {
        ++channel.missed;
      } else if (s.outcome == AttemptOutcome::kUncertain) {
        ++channel.uncertain;
      } else {
        ++channel.failed;
      }
      report.problems.push_back(std::move(e));
      continue;
    }
    ++channel.published;
    ++report.publications;
    // Topics, forms and units count items: one published on four channels
    // is one item about its themes.
    if (items.insert(e.item).second) {
      std::set<std::string> seen;
      for (const std::string& topic : e.topic_labels) {
        if (seen.insert(topic).second) ++topics.Row(topic).published;
      }
      if (e.topic_labels.empty()) ++topics.Row(kNoValueLabel).published;
      ++forms.Row(OrNone(e.form_label)).published;
      ++units.Row(OrNone(e.unit_label)).published;
    }
    report.published.push_back(std::move(e));
  }
  report.items = static_cast<int>(items.size());

  for (const auto& [label, row] : channels.rows) report.by_channel.push_back(row);
  report.by_topic = topics.ByCount();
  report.by_form = forms.ByCount();
  report.by_unit = units.ByCount();
  return report;
}

}  // namespace loa
