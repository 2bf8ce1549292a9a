#include "daemon/preview_carried.h"

#include "base/url.h"
#include "daemon/tables.h"
#include "inbox/markdown.h"

namespace loa {

namespace {

std::string RevisionVi(int revision) { return "bản số " + std::to_string(revision); }

// Where the post is: a link for a web address, else the address as text.
std::string WhereHtml(const std::string& url) {
  if (url.empty()) return "";
  const std::string shown = EscapeHtml(url);
  if (!IsWebLink(url)) return ", tại <span class=\"url\">" + shown + "</span>";
  return ", tại <a href=\"" + shown + "\" rel=\"noopener noreferrer\">" + shown + "</a>";
}

// What the channel has, in Vietnamese.
std::string CarriedStateHtml(const CarriedRevision& c) {
  const std::string rev = RevisionVi(c.revision);
  switch (c.state) {
    case DeliveryState::kPublished:
      return "Kênh này đã đăng tin này (" + rev + ")" + WhereHtml(c.url) + ".";
    case DeliveryState::kSending:
      return "loa đang gửi tin này (" + rev + ") lên kênh này.";
    case DeliveryState::kUncertain:
      return "Kênh này có thể đã có tin này (" + rev +
             "): lần gửi chưa rõ kết quả, bộ phận vận hành sẽ kiểm tra.";
    case DeliveryState::kRetracted:
      return "Tin này (" + rev + ") đã đăng trên kênh này" + WhereHtml(c.url) +
             ", rồi đã được gỡ xuống.";
    case DeliveryState::kScheduled:  // holding a resume token
      return "Kênh này đã nhận tin này (" + rev + ") và đang xử lý.";
    case DeliveryState::kFailed:
    case DeliveryState::kCancelled:
      break;  // never carried (Delivery::KeepsItsRevision)
  }
  return "";
}

// Why the page shows no post for the channel: nothing more goes to it.
std::string CarriedHtml(const CarriedRevision& c) {
  std::string out =
      "<div class=\"carried\">\n<p><strong>" + CarriedStateHtml(c) + "</strong></p>\n";
  if (!c.title.empty()) {
    out += "<p>Tiêu đề của " + RevisionVi(c.revision) + ": “" + EscapeHtml(c.title) + "”.</p>\n";
  }
  if (c.revision < c.latest) {
    out += "<p>Bản sửa (" + RevisionVi(c.latest) +
           ") không được gửi tới kênh này: loa không đăng một tin hai lần.";
    if (c.state != DeliveryState::kRetracted) {
      out += " Muốn thay nội dung trên kênh này, hãy sửa trực tiếp trên kênh.";
    }
    out += "</p>\n";
  } else {
    out += "<p>Đây là bản mới nhất; loa không gửi gì thêm lên kênh này.</p>\n";
  }
  return out + "</div>\n";
}

}  // namespace

std::string CarriedSectionHtml(const ChannelPreviewEntry& e) {
  const std::string channel = EscapeHtml(e.channel);
  return "<section class=\"channel\" id=\"kenh-" + channel + "\" data-channel=\"" + channel +
         "\" data-state=\"" + StateName(e.carried->state) + "\">\n<h2>Kênh " + channel +
         " <small>(" + EscapeHtml(e.type) + ")</small></h2>\n" + CarriedHtml(*e.carried) +
         "</section>\n";
}

std::string CarriedSummaryText(const ChannelPreviewEntry& e) {
  const CarriedRevision& c = *e.carried;
  const std::string rev = "revision " + std::to_string(c.revision);
  const std::string at = c.url.empty() ? "" : " at " + TerminalText(c.url);
  std::string out = "\n" + e.channel + " (" + e.type + "): nothing to send\n  ";
  switch (c.state) {
    case DeliveryState::kPublished:
      out += "published " + rev + at;
      break;
    case DeliveryState::kSending:
      out += "sending " + rev + " now";
      break;
    case DeliveryState::kUncertain:
      out += "sent " + rev + ", outcome unknown: it may be on the channel";
      break;
    case DeliveryState::kRetracted:
      out += "published " + rev + at + ", then took it down";
      break;
    case DeliveryState::kScheduled:  // holding a resume token
      out += "the channel accepted " + rev + " and has not finished";
      break;
    case DeliveryState::kFailed:
    case DeliveryState::kCancelled:
      break;  // never carried (Delivery::KeepsItsRevision)
  }
  out += "\n";
  if (!c.title.empty()) out += "    title: " + TerminalText(c.title) + "\n";
  if (c.revision < c.latest) {
    return out + "  the correction (revision " + std::to_string(c.latest) +
           ") is not sent to it: loa never publishes twice\n";
  }
  return out + "  nothing more is sent to it\n";
}

}  // namespace loa
