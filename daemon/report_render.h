// The report (daemon/report.h) printed: CSV for spreadsheets, HTML to
// print on A4 and attach to the Office's report, Markdown, and JSON (what
// /api/report answers and `loa report` reads back to print the others).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "daemon/report.h"

namespace loa {

enum class ReportFormat { kCsv, kHtml, kJson, kMarkdown };

// "csv", "html", "json", "md".
std::optional<ReportFormat> ParseReportFormat(std::string_view name);
const char* ReportFormatName(ReportFormat format);
// "text/csv; charset=utf-8", ...
const char* ReportContentType(ReportFormat format);

// One table, a row per delivery (published first, then the problems):
// UTF-8 with a byte-order mark so that Excel reads it as UTF-8, CRLF line
// ends, fields quoted as RFC 4180 says, and a field that a spreadsheet
// would take for a formula (= + - @ first, or a tab or CR) led by an
// apostrophe.
std::string ReportCsv(const Report& report);

// A whole HTML page in Vietnamese laid out for A4, every text escaped,
// nothing loaded from anywhere.
std::string ReportHtml(const Report& report);

// The same sections as the HTML, as Markdown with every text escaped.
std::string ReportMarkdown(const Report& report);

nlohmann::ordered_json ReportJson(const Report& report);
// The report back from ReportJson's text, as `loa report` reads the
// daemon's answer; an error when a member is missing or of the wrong type.
Result<Report> ReportFromJson(const nlohmann::json& json);

// The report in `format` (JSON indented, ending with a line break).
std::string RenderReport(const Report& report, ReportFormat format);

}  // namespace loa
