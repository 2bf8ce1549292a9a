#include "daemon/report_render.h"

namespace loa {

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "html") return ReportFormat::kHtml;
  if (name == "json") return ReportFormat::kJson;
  if (name == "md") return ReportFormat::kMarkdown;
  return std::nullopt;
}

const char* ReportFormatName(ReportFormat format) {
  switch (format) {
    case ReportFormat::kCsv:
      return "csv";
    case ReportFormat::kHtml:
      return "html";
    case ReportFormat::kJson:
      return "json";
    case ReportFormat::kMarkdown:
      return "md";
  }
  return "json";
}

const char* ReportContentType(ReportFormat format) {
  switch (format) {
    case ReportFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ReportFormat::kHtml:
      return "text/html; charset=utf-8";
    case ReportFormat::kJson:
      return "application/json";
    case ReportFormat::kMarkdown:
      return "text/markdown; charset=utf-8";
  }
  return "application/json";
}

std::string RenderReport(const Report& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::kCsv:
      return ReportCsv(report);
    case ReportFormat::kHtml:
      return ReportHtml(report);
    case ReportFormat::kMarkdown:
      return ReportMarkdown(report);
    case ReportFormat::kJson:
      break;
  }
  // Stored text came from outside: invalid UTF-8 replaced, as every answer.
  return ReportJson(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

}  // namespace loa
