// The report as JSON (docs/control-api.md, GET /api/report) and back.
#include <exception>

#include "daemon/report_render.h"

namespace loa {

namespace {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

ojson TextOrNull(const std::string& s) { return s.empty() ? ojson(nullptr) : ojson(s); }

ojson CountsJson(const std::vector<ReportCount>& rows, bool channels) {
  ojson out = ojson::array();
  for (const ReportCount& r : rows) {
    ojson row = {{"label", r.label}, {"published", r.published}};
    if (channels) {
      row["failed"] = r.failed;
      row["missed"] = r.missed;
      row["uncertain"] = r.uncertain;
    }
    out.push_back(std::move(row));
  }
  return out;
}

ojson EntriesJson(const std::vector<ReportEntry>& entries) {
  ojson out = ojson::array();
  for (const ReportEntry& e : entries) {
    out.push_back({{"item", e.item},
                   {"revision", e.revision},
                   {"title", e.title},
                   {"channel", e.channel},
                   {"channel_label", e.channel_label},
                   {"topics", e.topic_labels},
                   {"form", TextOrNull(e.form_label)},
                   {"unit", TextOrNull(e.unit_label)},
                   {"outcome", e.outcome},
                   {"at", e.at},
                   {"url", TextOrNull(e.url)},
                   {"error", TextOrNull(e.error)}});
  }
  return out;
}

// Readers that throw json's type_error on a wrong type; ReportFromJson
// turns it into an Error.
std::string Text(const json& j, const char* key) {
  const json& v = j.at(key);
  return v.is_null() ? std::string() : v.get<std::string>();
}

std::vector<ReportCount> CountsFrom(const json& j, const char* key, bool channels) {
  std::vector<ReportCount> out;
  for (const json& row : j.at(key)) {
    ReportCount r;
    r.label = row.at("label").get<std::string>();
    r.published = row.at("published").get<int>();
    if (channels) {
      r.failed = row.at("failed").get<int>();
      r.missed = row.at("missed").get<int>();
      r.uncertain = row.at("uncertain").get<int>();
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ReportEntry> EntriesFrom(const json& j, const char* key) {
  std::vector<ReportEntry> out;
  for (const json& row : j.at(key)) {
    ReportEntry e;
    e.item = row.at("item").get<std::string>();
    e.revision = row.at("revision").get<int>();
    e.title = row.at("title").get<std::string>();
    e.channel = row.at("channel").get<std::string>();
    e.channel_label = row.at("channel_label").get<std::string>();
    e.topic_labels = row.at("topics").get<std::vector<std::string>>();
    e.form_label = Text(row, "form");
    e.unit_label = Text(row, "unit");
    e.outcome = row.at("outcome").get<std::string>();
    e.at = row.at("at").get<std::string>();
    e.url = Text(row, "url");
    e.error = Text(row, "error");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

ojson ReportJson(const Report& report) {
  return ojson{{"organisation", report.organisation},
               {"from", report.from_date},
               {"to", report.to_date},
               {"generated_at", report.generated_at},
               {"items", report.items},
               {"publications", report.publications},
               {"by_channel", CountsJson(report.by_channel, true)},
               {"by_topic", CountsJson(report.by_topic, false)},
               {"by_form", CountsJson(report.by_form, false)},
               {"by_unit", CountsJson(report.by_unit, false)},
               {"published", EntriesJson(report.published)},
               {"problems", EntriesJson(report.problems)}};
}

Result<Report> ReportFromJson(const json& j) {
  try {
    Report r;
    r.organisation = j.at("organisation").get<std::string>();
    r.from_date = j.at("from").get<std::string>();
    r.to_date = j.at("to").get<std::string>();
    r.generated_at = j.at("generated_at").get<std::string>();
    r.items = j.at("items").get<int>();
    r.publications = j.at("publications").get<int>();
    r.by_channel = CountsFrom(j, "by_channel", true);
    r.by_topic = CountsFrom(j, "by_topic", false);
    r.by_form = CountsFrom(j, "by_form", false);
    r.by_unit = CountsFrom(j, "by_unit", false);
    r.published = EntriesFrom(j, "published");
    r.problems = EntriesFrom(j, "problems");
    return r;
  } catch (const std::exception& e) {
    return Error{std::string("the report is not as docs/control-api.md gives it: ") + e.what(),
                 Error::Code::kInvalid};
  }
}

}  // namespace loa
