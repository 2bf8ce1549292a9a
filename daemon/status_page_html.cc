// The status page's HTML (daemon/status_page.h). Every text that comes from
// an item, a platform or a file name goes through Text(): made one safe line
// (EscapeForDisplay) and then HTML-escaped (EscapeHtml, quotes included, so
// the same text is safe in an attribute).
#include <string>
#include <string_view>

#include "base/time.h"
#include "base/url.h"
#include "daemon/report.h"
#include "daemon/status_page.h"
#include "inbox/markdown.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

// A platform's error can be long; the page shows its start.
constexpr size_t kMaxErrorChars = 400;
constexpr size_t kMaxUrlChars = 2000;

std::string Text(std::string_view s) { return EscapeHtml(EscapeForDisplay(s)); }

// "03/12/2026 08:00": as Vietnamese write a date and time.
std::string LocalTime(TimePoint t, const StatusPageZone& zone) {
  const std::string local = FormatLocal(t, zone);  // "2026-12-03T08:00:00+07:00"
  if (local.size() < 16) return Text(local);
  return local.substr(8, 2) + "/" + local.substr(5, 2) + "/" + local.substr(0, 4) + " " +
         local.substr(11, 5);
}

// "+07:00": the zone the times are in.
std::string ZoneName(TimePoint t, const StatusPageZone& zone) {
  const std::string local = FormatLocal(t, zone);
  return local.size() > 19 ? Text(local.substr(19)) : std::string();
}

std::string Channels(const std::vector<std::string>& channels) {
  std::string out;
  for (const auto& c : channels) out += (out.empty() ? "" : ", ") + Text(c);
  return out;
}

// A link for an http(s) address; anything else (a file channel's file://
// path, a platform's odd answer) as text, never as a link.
std::string Link(std::string_view url) {
  if (url.empty()) return "";
  if (!IsWebLink(url) || url.size() > kMaxUrlChars)
    return "<span class=\"url\">" + Text(url) + "</span>";
  const std::string shown = Text(url);
  return "<a href=\"" + shown + "\" rel=\"noopener noreferrer\" target=\"_blank\">" + shown +
         "</a>";
}

// The words are the report's (daemon/report.h), so the editors' page and the
// Office's report name an outcome alike; the class colours it.
const char* OutcomeClass(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::kPublished:
      return "ok";
    case AttemptOutcome::kMissed:
    case AttemptOutcome::kFailed:
      return "bad";
    default:
      return "warn";
  }
}

const char* kStyle = R"(<style>
body{font-family:"Segoe UI",Arial,sans-serif;margin:1.5em;color:#1b1b1b;background:#fff;line-height:1.45}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:2px solid #1f4e79;color:#1f4e79}
p.meta{color:#555;margin:.2em 0}
table{border-collapse:collapse;width:100%;font-size:.95em}
th,td{border:1px solid #ccc;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eef3f8}
td.time,td.ok,td.bad,td.warn{white-space:nowrap}
.id{color:#666;font-size:.85em}
.ok{color:#176b2c;font-weight:bold}.bad{color:#b00020;font-weight:bold}.warn{color:#9a6700;font-weight:bold}
.url{word-break:break-all;color:#444}a{word-break:break-all}
.empty{color:#666;font-style:italic}
.error{color:#b00020}
details{border:1px solid #ccc;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer;font-weight:bold}
pre{white-space:pre-wrap;word-wrap:break-word;font-size:.9em;background:#fafafa;padding:.5em}
</style>)";

void Upcoming(const StatusPageData& data, const StatusPageZone& zone, std::string& out) {
  out += "<h2 id=\"sap-dang\">Sắp đăng (" + std::to_string(data.upcoming.size()) + ")</h2>\n";
  if (!data.upcoming_error.empty()) {
    out += "<p class=\"error\">Không đọc được hàng đợi: " + Text(data.upcoming_error) + "</p>\n";
    return;
  }
  if (data.upcoming.empty()) {
    out += "<p class=\"empty\">Không có bài nào đang chờ đăng.</p>\n";
    return;
  }
  out += "<table>\n<tr><th>Thời gian đăng</th><th>Tiêu đề</th><th>Kênh</th></tr>\n";
  for (const auto& u : data.upcoming) {
    out += "<tr><td class=\"time\">" + LocalTime(u.due, zone) +
           (u.sending ? "<br><span class=\"warn\">đang gửi</span>" : "") + "</td><td>" +
           Text(u.title) + "<br><span class=\"id\">" + Text(u.id) + "</span></td><td>" +
           Channels(u.channels) + "</td></tr>\n";
  }
  out += "</table>\n";
  if (data.upcoming_more > 0) {
    out += "<p class=\"meta\">… và " + std::to_string(data.upcoming_more) + " bài khác.</p>\n";
  }
}

void Settled(const StatusPageData& data, const StatusPageZone& zone, std::string& out) {
  // Cut at the newest ones: the count says so rather than pass for all.
  out += "<h2 id=\"ket-qua\">Kết quả " + std::to_string(kStatusPageOutcomeDays) + " ngày qua (" +
         std::to_string(data.settled.size()) + (data.older_settled ? " mới nhất" : "") + ")</h2>\n";
  if (!data.settled_error.empty()) {
    out += "<p class=\"error\">Không đọc được kết quả: " + Text(data.settled_error) + "</p>\n";
    return;
  }
  if (data.settled.empty()) {
    out += "<p class=\"empty\">Chưa có bài nào được đăng hay bị lỗi trong " +
           std::to_string(kStatusPageOutcomeDays) + " ngày qua.</p>\n";
    return;
  }
  out +=
      "<table>\n<tr><th>Thời gian</th><th>Tiêu đề</th><th>Kênh</th><th>Kết quả</th>"
      "<th>Liên kết / Lý do</th></tr>\n";
  for (const auto& s : data.settled) {
    std::string detail = s.outcome == AttemptOutcome::kPublished
                             ? Link(s.delivery.remote_url)
                             : Text(ShortenUtf8(s.error, kMaxErrorChars));
    out += "<tr><td class=\"time\">" + LocalTime(s.settled_at, zone) + "</td><td>" + Text(s.title) +
           "<br><span class=\"id\">" + Text(s.delivery.post_id) + "</span></td><td>" +
           Text(s.delivery.channel) + "</td><td class=\"" + OutcomeClass(s.outcome) + "\">" +
           Text(OutcomeLabel(AttemptOutcomeName(s.outcome))) + "</td><td>" + detail +
           "</td></tr>\n";
  }
  out += "</table>\n";
  if (data.older_settled) {
    out += "<p class=\"meta\">… và các kết quả cũ hơn.</p>\n";
  }
}

void Rejected(const StatusPageData& data, const StatusPageZone& zone, std::string& out) {
  const bool rejected_cut = data.rejected.size() >= kStatusPageMaxRejected;
  out += "<h2 id=\"bi-tu-choi\">Bị từ chối (" + std::to_string(data.rejected.size()) +
         (rejected_cut ? " mới nhất" : "") + ")</h2>\n";
  if (data.rejected.empty()) {
    out += "<p class=\"empty\">Không có bài nào bị từ chối trong " +
           std::to_string(kStatusPageOutcomeDays) + " ngày qua.</p>\n";
    return;
  }
  out +=
      "<p class=\"meta\">Bài bị từ chối nằm trong thư mục <b>rejected</b> cùng tệp "
      "<b>TÊN.error.txt</b> ghi lý do. Hãy sửa lỗi rồi đặt lại bài vào thư mục nhận bài; xóa "
      "bài khỏi <b>rejected</b> khi đã xử lý xong.</p>\n";
  for (const auto& r : data.rejected) {
    // The name is already one escaped line (ListRejectedItems); the report
    // is valid UTF-8 on several lines, HTML-escaped as it is.
    out += "<details open><summary>" + EscapeHtml(r.name) + " — " + LocalTime(r.at, zone) +
           "</summary><pre>" + EscapeHtml(r.report) + "</pre></details>\n";
  }
  if (rejected_cut) {
    out += "<p class=\"meta\">… và có thể còn bài cũ hơn trong thư mục <b>rejected</b>.</p>\n";
  }
}

}  // namespace

std::string RenderStatusPage(const StatusPageData& data, const StatusPageZone& zone) {
  const std::string generated = LocalTime(data.generated_at, zone);
  std::string out;
  out.reserve(16 * 1024);
  out +=
      "<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // Reloaded by the browser while it stays open: loa rewrites the file.
      "<meta http-equiv=\"refresh\" content=\"60\">\n"
      "<title>loa — Trạng thái đăng bài</title>\n";
  out += kStyle;
  out += "\n</head>\n<body>\n<h1>Trạng thái đăng bài</h1>\n";
  out += "<p class=\"meta\">Cập nhật lúc <b id=\"cap-nhat\">" + generated + "</b> (giờ " +
         ZoneName(data.generated_at, zone) +
         "). Trang này do loa tự tạo lại mỗi khi có thay đổi; đừng sửa hay xóa tệp này.</p>\n";
  Upcoming(data, zone, out);
  Settled(data, zone, out);
  Rejected(data, zone, out);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace loa
