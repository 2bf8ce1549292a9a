// The report as an HTML page for A4 paper, in the layout of an annex to an
// official report: the organisation, the title, the period, the summary
// tables, the list of publications and what needs handling. Every text is
// escaped (inbox/markdown.h EscapeHtml); the page loads nothing.
#include <string>
#include <vector>

#include "base/text.h"
#include "base/url.h"
#include "daemon/report_render.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

constexpr const char* kStyle = R"css(
@page { size: A4; margin: 18mm 15mm 18mm 22mm; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif;
       font-size: 12pt; line-height: 1.35; color: #000; background: #fff;
       max-width: 180mm; margin: 0 auto; padding: 6mm 0; }
.heading { display: flex; justify-content: space-between; align-items: flex-start; }
.organisation { text-align: center; font-weight: bold; text-transform: uppercase; }
.organisation::after { content: ""; display: block; width: 40%; margin: 2pt auto 0;
                       border-top: 1px solid #000; }
.annex { font-style: italic; font-weight: bold; }
h1 { font-size: 14pt; text-align: center; margin: 14pt 0 2pt; }
.period { text-align: center; font-style: italic; margin: 0; }
.attached { text-align: center; font-style: italic; margin: 2pt 0 10pt; }
h2 { font-size: 12pt; margin: 12pt 0 4pt; text-transform: uppercase; }
h3 { font-size: 12pt; margin: 8pt 0 3pt; font-style: italic; }
table { width: 100%; border-collapse: collapse; margin: 0 0 6pt; font-size: 11pt; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { text-align: center; font-weight: bold; }
td.n { text-align: center; white-space: nowrap; }
td.link { word-break: break-all; font-size: 9.5pt; }
td.when { font-size: 10.5pt; }
.about { font-size: 9.5pt; font-style: italic; margin-top: 1pt; }
col.c-n { width: 6%; } col.c-when { width: 14%; } col.c-title { width: 38%; }
col.c-channel { width: 16%; } col.c-link { width: 26%; }
col.c-ptitle { width: 28%; } col.c-outcome { width: 11%; } col.c-reason { width: 27%; }
td.reason { word-break: break-word; font-size: 10pt; }
table.published, table.problems { table-layout: fixed; }
tr.total td { font-weight: bold; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
a { color: #000; }
.none { font-style: italic; }
.footer { margin-top: 10pt; font-size: 10pt; font-style: italic; }
)css";

std::string Esc(const std::string& text) { return EscapeHtml(text); }

std::string Cell(const std::string& text, const char* cls = nullptr) {
  std::string open = cls != nullptr ? std::string("<td class=\"") + cls + "\">" : "<td>";
  return open + Esc(text) + "</td>";
}

std::string Number(int n) { return "<td class=\"n\">" + std::to_string(n) + "</td>"; }

std::string Head(const std::vector<std::string>& names) {
  std::string out = "<thead><tr>";
  for (const std::string& n : names) out += "<th>" + Esc(n) + "</th>";
  return out + "</tr></thead>\n";
}

void ChannelTable(std::string& out, const Report& r) {
  out += "<table class=\"by-channel\">\n" +
         Head({"STT", "Kênh", "Đã đăng", "Thất bại", "Bỏ lỡ", "Chưa rõ kết quả"}) + "<tbody>\n";
  int n = 0;
  for (const ReportCount& c : r.by_channel) {
    out += "<tr>" + Number(++n) + Cell(c.label) + Number(c.published) + Number(c.failed) +
           Number(c.missed) + Number(c.uncertain) + "</tr>\n";
  }
  const ReportCount total = ChannelTotal(r);
  out += "<tr class=\"total\"><td></td><td>" + total.label + "</td>" + Number(total.published) +
         Number(total.failed) + Number(total.missed) + Number(total.uncertain) + "</tr>\n";
  out += "</tbody></table>\n";
}

void CountTable(std::string& out, const char* cls, const std::string& what,
                const std::vector<ReportCount>& rows) {
  out += std::string("<table class=\"") + cls + "\">\n" + Head({"STT", what, "Số tin, bài"}) +
         "<tbody>\n";
  int n = 0;
  for (const ReportCount& c : rows) {
    out += "<tr>" + Number(++n) + Cell(c.label) + Number(c.published) + "</tr>\n";
  }
  out += "</tbody></table>\n";
}

// What the item is about, under its title: an A4 page has no room for a
// column each (the CSV has them).
std::string About(const ReportEntry& e) {
  std::vector<std::string> parts;
  if (!e.topic_labels.empty()) parts.push_back("Chủ đề: " + Join(e.topic_labels, "; "));
  if (!e.form_label.empty()) parts.push_back("Hình thức: " + e.form_label);
  if (!e.unit_label.empty()) parts.push_back("Đơn vị: " + e.unit_label);
  if (parts.empty()) return "";
  return "<div class=\"about\">" + Esc(Join(parts, " · ")) + "</div>";
}

void PublishedTable(std::string& out, const Report& r) {
  if (r.published.empty()) {
    out += "<p class=\"none\">Không có tin, bài nào được đăng trong kỳ.</p>\n";
    return;
  }
  out +=
      "<table class=\"published\">\n<colgroup><col class=\"c-n\"><col class=\"c-when\">"
      "<col class=\"c-title\"><col class=\"c-channel\"><col class=\"c-link\"></colgroup>\n" +
      Head({"STT", "Thời gian đăng", "Tiêu đề", "Kênh", "Liên kết"}) + "<tbody>\n";
  int n = 0;
  for (const ReportEntry& e : r.published) {
    std::string link = "<td class=\"link\">";
    if (IsWebLink(e.url)) {
      link += "<a href=\"" + Esc(e.url) + "\">" + Esc(e.url) + "</a>";
    } else {
      link += Esc(e.url);
    }
    out += "<tr>" + Number(++n) + Cell(VietnameseTime(e.at), "when") + "<td class=\"title\">" +
           Esc(e.title) + About(e) + "</td>" + Cell(e.channel_label) + link + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void ProblemsTable(std::string& out, const Report& r) {
  if (r.problems.empty()) {
    out += "<p class=\"none\">Không có trường hợp nào.</p>\n";
    return;
  }
  out +=
      "<table class=\"problems\">\n<colgroup><col class=\"c-n\"><col class=\"c-when\">"
      "<col class=\"c-ptitle\"><col class=\"c-channel\"><col class=\"c-outcome\">"
      "<col class=\"c-reason\"></colgroup>\n" +
      Head({"STT", "Thời gian", "Tiêu đề", "Kênh", "Kết quả", "Lý do"}) + "<tbody>\n";
  int n = 0;
  for (const ReportEntry& e : r.problems) {
    out += "<tr>" + Number(++n) + Cell(VietnameseTime(e.at), "when") + Cell(e.title) +
           Cell(e.channel_label) + Cell(OutcomeLabel(e.outcome)) + Cell(e.error, "reason") +
           "</tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string ReportHtml(const Report& r) {
  const std::string period =
      "Từ ngày " + VietnameseDate(r.from_date) + " đến ngày " + VietnameseDate(r.to_date);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Báo cáo kết quả đăng tải thông tin – " +
      Esc(period) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<div class=\"heading\"><div class=\"organisation\">" + Esc(r.organisation) +
         "</div><div class=\"annex\">Phụ lục</div></div>\n";
  out += "<h1>BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN</h1>\n";
  out += "<p class=\"period\">" + Esc(period) + "</p>\n";
  out +=
      "<p class=\"attached\">(Kèm theo Báo cáo số ......../BC-...... ngày ...... tháng ...... "
      "năm ........ của " +
      Esc(r.organisation) + ")</p>\n";

  out += "<h2>I. Tổng hợp</h2>\n";
  out += "<p class=\"totals\">Trong kỳ đã đăng <strong>" + std::to_string(r.items) +
         "</strong> tin, bài với <strong>" + std::to_string(r.publications) +
         "</strong> lượt đăng trên các kênh; <strong>" + std::to_string(r.problems.size()) +
         "</strong> trường hợp cần xử lý.</p>\n";
  out += "<h3>1. Theo kênh đăng tải (lượt đăng)</h3>\n";
  ChannelTable(out, r);
  out += "<h3>2. Theo chủ đề</h3>\n";
  CountTable(out, "by-topic", "Chủ đề", r.by_topic);
  out += "<h3>3. Theo hình thức</h3>\n";
  CountTable(out, "by-form", "Hình thức", r.by_form);
  out += "<h3>4. Theo đơn vị</h3>\n";
  CountTable(out, "by-unit", "Đơn vị", r.by_unit);

  out += "<h2>II. Danh mục tin, bài đã đăng</h2>\n";
  PublishedTable(out, r);
  out += "<h2>III. Các trường hợp cần xử lý</h2>\n";
  out += "<p>Đăng thất bại, bỏ lỡ (quá hạn đăng) hoặc chưa rõ kết quả.</p>\n";
  ProblemsTable(out, r);
  out += "<p class=\"footer\">Số liệu do hệ thống loa tổng hợp lúc " +
         Esc(VietnameseTime(r.generated_at)) + ".</p>\n</body>\n</html>\n";
  return out;
}

}  // namespace loa
