// The report as one CSV table (RFC 4180), for Excel and LibreOffice.
#include <string>
#include <vector>

#include "base/text.h"
#include "daemon/report_render.h"

namespace loa {

namespace {

// A spreadsheet runs a cell that starts with one of these as a formula
// (=HYPERLINK(...), +cmd|...): titles and platform errors come from outside,
// so such a cell is led by an apostrophe, which the spreadsheet shows as text.
bool LooksLikeFormula(const std::string& field) {
  if (field.empty()) return false;
  const char c = field.front();
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, quotes
// doubled inside. Every field is quoted when it holds anything but plain
// text, and a formula is defused first.
std::string Field(const std::string& text) {
  std::string field = LooksLikeFormula(text) ? "'" + text : text;
  if (field.find_first_of(",\"\r\n;") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void AddRow(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += Field(fields[i]);
  }
  out += "\r\n";
}

}  // namespace

std::string ReportCsv(const Report& report) {
  std::string out = "\xEF\xBB\xBF";  // the byte-order mark: Excel reads UTF-8 only with it
  AddRow(out, {"STT", "Thời gian", "Kết quả", "Kênh", "Tiêu đề", "Liên kết", "Chủ đề", "Hình thức",
               "Đơn vị", "Mã tin", "Phiên bản", "Lý do"});
  int n = 0;
  for (const auto* list : {&report.published, &report.problems}) {
    for (const ReportEntry& e : *list) {
      // Times as "2026-12-02 08:00": a spreadsheet reads it as a date and
      // time whatever its locale.
      std::string at = e.at.size() >= 16 ? e.at.substr(0, 10) + " " + e.at.substr(11, 5) : e.at;
      AddRow(out, {std::to_string(++n), at, OutcomeLabel(e.outcome), e.channel_label, e.title,
                   e.url, Join(e.topic_labels, "; "), e.form_label, e.unit_label, e.item,
                   std::to_string(e.revision), e.error});
    }
  }
  return out;
}

}  // namespace loa
