// The report as Markdown: the HTML's sections as headings and tables, for
// a message or a wiki. Text from items and platforms is escaped so that it
// can neither break a table nor become a link, an image or HTML.
#include <string>
#include <vector>

#include "base/text.h"
#include "base/url.h"
#include "daemon/report_render.h"

namespace loa {

namespace {

std::string Md(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '<':
      case '>':
      case '|':
      case '~':
      case '&':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A link only to the web, written as an autolink-free inline link whose
// target holds nothing that could end it early.
std::string Link(const std::string& url) {
  if (!IsWebLink(url) || url.find_first_of(" ()<>|\\\r\n\t") != std::string::npos) return Md(url);
  return "[" + Md(url) + "](" + url + ")";
}

void Row(std::string& out, const std::vector<std::string>& cells) {
  out += "|";
  for (const std::string& c : cells) out += " " + c + " |";
  out += "\n";
}

void Header(std::string& out, const std::vector<std::string>& names) {
  Row(out, names);
  out += "|";
  for (size_t i = 0; i < names.size(); ++i) out += " --- |";
  out += "\n";
}

void Counts(std::string& out, const std::string& what, const std::vector<ReportCount>& rows) {
  Header(out, {"STT", what, "Số tin, bài"});
  int n = 0;
  for (const ReportCount& c : rows) {
    Row(out, {std::to_string(++n), Md(c.label), std::to_string(c.published)});
  }
  out += "\n";
}

}  // namespace

std::string ReportMarkdown(const Report& r) {
  std::string out = "**" + Md(r.organisation) + "**\n\n# BÁO CÁO KẾT QUẢ ĐĂNG TẢI THÔNG TIN\n\n";
  out += "*Từ ngày " + VietnameseDate(r.from_date) + " đến ngày " + VietnameseDate(r.to_date) +
         "*\n\n";
  out += "## I. Tổng hợp\n\nTrong kỳ đã đăng **" + std::to_string(r.items) + "** tin, bài với **" +
         std::to_string(r.publications) + "** lượt đăng trên các kênh; **" +
         std::to_string(r.problems.size()) + "** trường hợp cần xử lý.\n\n";
  out += "### 1. Theo kênh đăng tải (lượt đăng)\n\n";
  Header(out, {"STT", "Kênh", "Đã đăng", "Thất bại", "Bỏ lỡ", "Chưa rõ kết quả"});
  int n = 0;
  for (const ReportCount& c : r.by_channel) {
    Row(out, {std::to_string(++n), Md(c.label), std::to_string(c.published),
              std::to_string(c.failed), std::to_string(c.missed), std::to_string(c.uncertain)});
  }
  const ReportCount total = ChannelTotal(r);
  Row(out, {"", "**" + total.label + "**", "**" + std::to_string(total.published) + "**",
            "**" + std::to_string(total.failed) + "**", "**" + std::to_string(total.missed) + "**",
            "**" + std::to_string(total.uncertain) + "**"});
  out += "\n### 2. Theo chủ đề\n\n";
  Counts(out, "Chủ đề", r.by_topic);
  out += "### 3. Theo hình thức\n\n";
  Counts(out, "Hình thức", r.by_form);
  out += "### 4. Theo đơn vị\n\n";
  Counts(out, "Đơn vị", r.by_unit);

  out += "## II. Danh mục tin, bài đã đăng\n\n";
  if (r.published.empty()) {
    out += "Không có tin, bài nào được đăng trong kỳ.\n\n";
  } else {
    Header(out, {"STT", "Thời gian đăng", "Tiêu đề", "Kênh", "Chủ đề", "Hình thức", "Đơn vị",
                 "Liên kết"});
    n = 0;
    for (const ReportEntry& e : r.published) {
      Row(out, {std::to_string(++n), VietnameseTime(e.at), Md(e.title), Md(e.channel_label),
                Md(Join(e.topic_labels, "; ")), Md(e.form_label), Md(e.unit_label), Link(e.url)});
    }
    out += "\n";
  }
  out += "## III. Các trường hợp cần xử lý\n\n";
  if (r.problems.empty()) {
    out += "Không có trường hợp nào.\n\n";
  } else {
    Header(out, {"STT", "Thời gian", "Tiêu đề", "Kênh", "Kết quả", "Lý do"});
    n = 0;
    for (const ReportEntry& e : r.problems) {
      Row(out, {std::to_string(++n), VietnameseTime(e.at), Md(e.title), Md(e.channel_label),
                OutcomeLabel(e.outcome), Md(e.error)});
    }
    out += "\n";
  }
  out += "*Số liệu do hệ thống loa tổng hợp lúc " + VietnameseTime(r.generated_at) + ".*\n";
  return out;
}

}  // namespace loa
