#include "daemon/correction_note.h"

#include "inbox/utf8.h"

namespace loa {

namespace {

// How a kept delivery stands, for the editor: it is on the channel, or may be.
const char* StateVi(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPublished:
      return "đã đăng";
    case DeliveryState::kSending:
      return "đang gửi";
    case DeliveryState::kUncertain:
      return "chưa rõ kết quả";
    case DeliveryState::kScheduled:
      return "kênh đã nhận, đang xử lý";
    case DeliveryState::kRetracted:
      return "đã gỡ";
    case DeliveryState::kFailed:
      return "thất bại";
    case DeliveryState::kCancelled:
      return "đã hủy";
  }
  return "";
}

const char* StateEn(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPublished:
      return "published";
    case DeliveryState::kSending:
      return "being sent";
    case DeliveryState::kUncertain:
      return "outcome unknown";
    case DeliveryState::kScheduled:
      return "accepted by the channel, not finished";
    case DeliveryState::kRetracted:
      return "taken down";
    case DeliveryState::kFailed:
      return "failed";
    case DeliveryState::kCancelled:
      return "cancelled";
  }
  return "";
}

std::string KeptLine(const Delivery& d, bool vi) {
  std::string line = "- " + d.channel + ": " + (vi ? "bản số " : "revision ") +
                     std::to_string(d.revision) + ", " + (vi ? StateVi(d.state) : StateEn(d.state));
  if (!d.remote_url.empty()) line += ", " + EscapeForDisplay(d.remote_url);
  return line + "\n";
}

}  // namespace

std::string CorrectionNoteText(const CorrectionNote& note) {
  const std::string rev = std::to_string(note.revision);
  const std::string file = note.file.empty() ? "-" : note.file;
  std::string vi = "Bản sửa của tin bài \"" + note.id + "\" đã được nhận: bản số " + rev +
                   ", tệp \"" + file + "\", lúc " + note.accepted_at + ".\n\n";
  std::string en = "The correction of item \"" + note.id + "\" was accepted: revision " + rev +
                   ", file \"" + file + "\", at " + note.accepted_at + ".\n\n";
  vi +=
      "Các kênh sau đã có bản trước và GIỮ NGUYÊN nội dung cũ; bản sửa KHÔNG được gửi tới "
      "các kênh này:\n";
  en +=
      "These channels already have an earlier revision and KEEP the old text; the correction "
      "is NOT sent to them:\n";
  for (const Delivery& d : note.kept) {
    vi += KeptLine(d, true);
    en += KeptLine(d, false);
  }
  if (!note.scheduled.empty()) {
    vi += "\nCác kênh sau sẽ đăng bản sửa (bản số " + rev + "):\n";
    en += "\nThese channels will publish the correction (revision " + rev + "):\n";
    for (const auto& [channel, due] : note.scheduled) {
      vi += "- " + channel + ", lúc " + due + "\n";
      en += "- " + channel + ", at " + due + "\n";
    }
  }
  if (!note.cancelled.empty()) {
    vi += "\nBản sửa không còn nêu các kênh sau, nên bài chưa đăng trên đó đã được hủy:\n";
    en += "\nThe correction no longer names these channels, so they were cancelled:\n";
    for (const std::string& channel : note.cancelled) {
      vi += "- " + channel + "\n";
      en += "- " + channel + "\n";
    }
  }
  vi +=
      "\nMuốn thay nội dung trên các kênh giữ bản cũ, hãy sửa trực tiếp trên kênh đó "
      "(loa không sửa bài đã đăng).\n";
  en +=
      "\nTo change the text on a channel that keeps the old one, edit it on the channel "
      "itself (loa does not edit what was published).\n";
  return vi + "\n" + en;
}

fs::path CorrectionNotePath(const fs::path& accepted_file) {
  fs::path note = accepted_file;
  note += ".note.txt";
  return note;
}

}  // namespace loa
