#include "daemon/report_api.h"

#include <map>
#include <string>

#include "daemon/control_request.h"
#include "daemon/report.h"
#include "daemon/report_render.h"

namespace loa {

namespace {

// Beyond this many deliveries in one period the report would not be read:
// the Office's channels publish a few dozen a week.
constexpr size_t kMaxReportRows = 100000;

}  // namespace

ControlAnswer ServeReport(const ControlRequest& request, Store& store, const Config& config,
                          TimePoint now) {
  std::map<std::string, std::string> params;
  for (const auto& [name, value] : request.query) {
    if (name != "from" && name != "to" && name != "format") {
      return ErrorAnswer(
          400, "unknown parameter " + ShownText(name) + "; /api/report takes from, to and format");
    }
    if (!params.emplace(name, value).second) {
      return ErrorAnswer(400, "parameter " + name + " given twice");
    }
  }
  for (const char* required : {"from", "to"}) {
    if (!params.contains(required)) {
      return ErrorAnswer(400, std::string("missing parameter ") + required +
                                  ": a local date YYYY-MM-DD (to is included)");
    }
  }
  ReportFormat format = ReportFormat::kJson;
  if (auto it = params.find("format"); it != params.end()) {
    auto parsed = ParseReportFormat(it->second);
    if (!parsed) {
      return ErrorAnswer(400, "format: " + ShownText(it->second) + " is not csv, html, json or md");
    }
    format = *parsed;
  }
  auto period = ParseReportPeriod(params["from"], params["to"], config.timezone);
  if (!period.ok()) return ErrorAnswer(400, period.error());
  auto settled = store.SettledBetween(period->from, period->to);
  if (!settled.ok()) return ErrorAnswer(503, settled.error());
  if (settled->size() > kMaxReportRows) {
    return ErrorAnswer(400, "more than " + std::to_string(kMaxReportRows) +
                                " deliveries settled in the period; ask for a shorter one");
  }
  const Report report = BuildReport(*settled, *period, config.labels, config.timezone, now);
  ControlAnswer answer;
  answer.content_type = ReportContentType(format);
  answer.body = RenderReport(report, format);
  return answer;
}

}  // namespace loa
