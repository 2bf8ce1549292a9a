// The catalogue's messages about the field rules and about fitting a
// channel's platform (inbox/item_messages.h).
#include <string>

#include "inbox/item_messages.h"

namespace loa::messages {

namespace {

std::string Str(std::string_view s) { return std::string(s); }

const std::string kIdRuleVi =
    "Mã chỉ gồm chữ thường không dấu (a-z), chữ số, dấu chấm, gạch ngang hoặc gạch dưới, "
    "bắt đầu bằng chữ hoặc số, tối đa 120 ký tự; ví dụ \"2026-12-01-mot-cua-lien-thong\".";
const std::string kIdRuleEn = "expected [a-z0-9][a-z0-9._-]{0,119}";
const std::string kChannelsExampleVi = "[\"portal\", \"facebook\"] hoặc \"all\"";

// A file size for people, rounded up so that a file just over a limit never
// reads as equal to it: 1048577 bytes is "1,1 MB", not "1 MB".
std::string SizeText(int64_t bytes, char decimal_point) {
  constexpr int64_t kKiB = 1024, kMiB = kKiB * 1024;
  auto in_tenths = [&](int64_t unit, const char* name) {
    int64_t tenths = (bytes * 10 + unit - 1) / unit;
    std::string out = std::to_string(tenths / 10);
    if (tenths % 10 != 0) out += decimal_point + std::to_string(tenths % 10);
    return out + " " + name;
  };
  if (bytes >= kMiB) return in_tenths(kMiB, "MB");
  if (bytes >= kKiB) return in_tenths(kKiB, "KB");
  return std::to_string(bytes) + " byte";
}

std::string WhereVi(const Platform& p) { return "Kênh " + Str(p.channel) + ": "; }
std::string WhereEn(const Platform& p) { return "channel " + Str(p.channel) + ": "; }

std::string OverVi(const Platform& p, size_t n, size_t max) {
  return " dài " + CountVi(n) + " ký tự, vượt giới hạn " + CountVi(max) + " ký tự của " +
         Str(p.name) + ".";
}

std::string OverEn(const Platform& p, size_t n, size_t max) {
  return " is " + CountEn(n) + " characters, over " + Str(p.name) + "'s limit of " + CountEn(max);
}

// The start of an override for the channel, as the editor would write it.
std::string OverrideVi(const Platform& p) {
  return "\"overrides\": {\"" + Str(p.channel) + "\": {\"";
}

}  // namespace

// ---- The field rules --------------------------------------------------------

Message BadId(std::string_view shown) {
  return {ProblemCode::kBadId, "Mã bài viết (id) " + Quote(shown) + " không hợp lệ. " + kIdRuleVi,
          "id " + Quote(shown) + " is not valid: " + kIdRuleEn};
}

Message BadNameAsId(std::string_view shown) {
  return {ProblemCode::kBadNameAsId,
          "Không có trường \"id\" nên loa dùng tên tệp/thư mục " + Quote(shown) +
              " làm mã bài viết, nhưng tên này không hợp lệ. Hãy đổi tên tệp hoặc thêm trường "
              "\"id\". " +
              kIdRuleVi,
          "no id given and the name " + Quote(shown) + " is not a valid id: " + kIdRuleEn};
}

Message TitleMissing() {
  return {ProblemCode::kTitleMissing,
          "Thiếu tiêu đề (title). Hãy thêm trường \"title\" với tiêu đề bài viết.",
          "title is missing"};
}

Message TitleEmpty() {
  return {ProblemCode::kTitleEmpty,
          "Tiêu đề (title) đang để trống. Hãy ghi tiêu đề bài viết vào trường \"title\".",
          "title is empty"};
}

Message ApprovedByMissing() {
  return {ProblemCode::kApprovedByMissing,
          "Thiếu người phê duyệt (approved_by). Chỉ bài đã được duyệt mới được đăng: hãy thêm "
          "trường \"approved_by\" ghi rõ người duyệt, ví dụ \"Phó Giám đốc Sở\".",
          "approved_by is missing"};
}

Message ApprovedByEmpty() {
  return {ProblemCode::kApprovedByEmpty,
          "Người phê duyệt (approved_by) đang để trống. Hãy ghi rõ người đã duyệt bài, ví dụ "
          "\"Phó Giám đốc Sở\".",
          "approved_by is empty"};
}

std::string_view TitleExample() { return "\"Sở Tư pháp tổ chức tập huấn…\""; }
std::string_view ApprovedByExample() { return "\"Phó Giám đốc Sở\""; }

Message BodyAndBodyFile() {
  return {ProblemCode::kBodyAndBodyFile,
          "Chỉ dùng một trong hai trường: \"body\" (nội dung viết trực tiếp) hoặc \"body_file\" "
          "(tên tệp nội dung trong thư mục bài viết), không dùng cả hai.",
          "give either body or body_file, not both"};
}

Message NoBody() {
  return {ProblemCode::kNoBody,
          "Thiếu nội dung bài viết. Hãy thêm trường \"body\" (nội dung viết trực tiếp) hoặc "
          "\"body_file\" (tên tệp Markdown nằm trong thư mục bài viết).",
          "body or body_file is required"};
}

Message BodyEmpty(bool from_body_field) {
  return {ProblemCode::kBodyEmpty,
          "Nội dung bài viết đang để trống. Hãy viết nội dung vào " +
              std::string(from_body_field ? "trường \"body\"." : "tệp nội dung."),
          "the body is empty"};
}

std::string TimeExampleVi(std::string_view zone, std::string_view offset) {
  return "\"2026-12-01 08:00\" (giờ theo múi " + Str(zone) + ") hoặc \"2026-12-01T08:00:00" +
         Str(offset) + "\"";
}

std::string KnownChannelsVi(const std::vector<std::string>& names) {
  return names.empty() ? "(chưa cấu hình kênh nào)" : Join(names);
}

std::string KnownChannelsEn(const std::vector<std::string>& names) {
  return names.empty() ? "(none configured)" : Join(names);
}

Message ChannelsMissing(std::string_view known_vi, std::string_view known_en) {
  return {ProblemCode::kChannelsMissing,
          "Thiếu kênh đăng (channels). Hãy thêm trường \"channels\", ví dụ " + kChannelsExampleVi +
              " để đăng trên mọi kênh. Các kênh hiện có: " + Str(known_vi) + ".",
          "channels is missing: give an array of channel names or \"all\"; known channels: " +
              Str(known_en)};
}

Message ChannelsEmpty(std::string_view known_vi, std::string_view known_en) {
  return {ProblemCode::kChannelsEmpty,
          "Danh sách kênh đăng (channels) đang trống. Hãy ghi ít nhất một kênh, ví dụ " +
              kChannelsExampleVi + ". Các kênh hiện có: " + Str(known_vi) + ".",
          "channels is empty; known channels: " + Str(known_en)};
}

Message UnknownChannel(std::string_view shown, const std::optional<std::string>& guess,
                       std::string_view known_vi, std::string_view known_en) {
  return {ProblemCode::kUnknownChannel,
          "Kênh " + Quote(shown) + " không có trong cấu hình nên cả bài viết bị từ chối." +
              (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") +
              " Các kênh hiện có: " + Str(known_vi) + " (hoặc ghi \"all\" để đăng trên mọi kênh).",
          "unknown channel " + Quote(shown) +
              (guess ? " (did you mean " + Quote(*guess) + "?)" : "") +
              "; known channels: " + Str(known_en) + " or \"all\""};
}

Message AllWithoutChannels() {
  return {ProblemCode::kAllWithoutChannels,
          "Chưa có kênh nào được cấu hình nên không thể đăng với \"all\". Hãy báo quản trị viên.",
          "\"all\" was given but no channel is configured"};
}

Message BadTime(std::string_view shown, std::string_view field, std::string_view example_vi) {
  return {ProblemCode::kBadTime,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) +
              " không đúng định dạng hoặc không có thật. Hãy ghi theo dạng " + Str(example_vi) +
              ".",
          "'" + Str(shown) +
              "' is not a time: expected RFC 3339 (2026-12-01T08:00:00+07:00) or "
              "'YYYY-MM-DD HH:MM[:SS]'"};
}

Message LeapSecond(std::string_view shown, std::string_view field) {
  return {ProblemCode::kLeapSecond,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) +
              " có giây thứ 60 (giây nhuận), không dùng được cho giờ đăng bài. Hãy ghi giây từ 00 "
              "đến 59.",
          "'" + Str(shown) + "' has second 60 (a leap second); write a second from 00 to 59"};
}

Message YearOutOfRange(std::string_view shown, std::string_view field, int first_year,
                       int last_year) {
  std::string range = std::to_string(first_year) + "–" + std::to_string(last_year);
  return {ProblemCode::kYearOutOfRange,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) + " nằm ngoài khoảng năm " +
              range + " mà loa nhận; có lẽ năm bị gõ nhầm. Hãy kiểm tra lại.",
          "'" + Str(shown) + "' is outside the years " + range + " loa accepts"};
}

Message BadForm(std::string_view shown, const std::optional<std::string>& guess,
                const std::vector<std::string>& forms) {
  return {ProblemCode::kBadForm,
          "Hình thức (form) " + Quote(shown) + " không hợp lệ." +
              (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") +
              " Chọn một trong: news (tin), article (bài viết), reportage (phóng sự), video, "
              "infographic, photo (ảnh), announcement (thông báo).",
          "form " + Quote(shown) + " is not one of " + Join(forms)};
}

Message BadTopic(std::string_view shown) {
  return {ProblemCode::kBadTopic,
          "Chủ đề " + Quote(shown) +
              " không hợp lệ: chỉ dùng chữ thường không dấu (a-z), chữ số, gạch ngang hoặc "
              "gạch dưới, tối đa 64 ký tự; ví dụ \"kiem-soat-tthc\".",
          "topic " + Quote(shown) + " is not valid: expected [a-z0-9][a-z0-9_-]{0,63}"};
}

namespace {

Message BadLink(ProblemCode code, std::string_view shown, const std::string& why_vi,
                const std::string& why_en) {
  return {code, "Liên kết (link) " + Quote(shown) + " không hợp lệ: " + why_vi,
          "link " + Quote(shown) + " is not an http(s) URL: it " + why_en};
}

}  // namespace

Message LinkTooLong(std::string_view shown, size_t chars, size_t max) {
  return BadLink(ProblemCode::kLinkTooLong, shown,
                 "dài " + CountVi(chars) + " ký tự, vượt giới hạn " + CountVi(max) +
                     " ký tự. Hãy dùng địa chỉ ngắn hơn.",
                 "is " + CountEn(chars) + " characters, over the limit of " + CountEn(max));
}

Message LinkScheme(std::string_view shown) {
  return BadLink(ProblemCode::kLinkScheme, shown,
                 "chỉ nhận địa chỉ web đầy đủ, bắt đầu bằng http:// hoặc https://; ví dụ "
                 "\"https://dichvucong.gov.vn/\".",
                 "must start with http:// or https://");
}

Message LinkSpace(std::string_view shown) {
  return BadLink(ProblemCode::kLinkSpace, shown,
                 "địa chỉ không được có dấu cách. Hãy ghi địa chỉ liền, ví dụ "
                 "\"https://dichvucong.gov.vn/\".",
                 "holds white space");
}

Message LinkUserInfo(std::string_view shown) {
  return BadLink(
      ProblemCode::kLinkUserInfo, shown,
      "địa chỉ không được chứa tên người dùng hay mật khẩu (phần trước dấu @), vì phần đó "
      "có thể che giấu trang thật mà liên kết dẫn tới. Hãy bỏ phần này.",
      "must not hold a user name or password (user@host): it can disguise the real host");
}

Message LinkNoHost(std::string_view shown) {
  return BadLink(ProblemCode::kLinkNoHost, shown,
                 "thiếu tên miền sau http:// hoặc https://; ví dụ \"https://dichvucong.gov.vn/\".",
                 "has no host");
}

Message BadAction(std::string_view shown) {
  return {ProblemCode::kBadAction,
          "Thao tác (action) " + Quote(shown) +
              " không hợp lệ. Chỉ dùng \"publish\" (đăng bài, mặc định) hoặc \"retract\" (gỡ "
              "bài đã đăng).",
          "action " + Quote(shown) + " must be \"publish\" or \"retract\""};
}

Message OverrideNotInChannels(std::string_view channel, const std::vector<std::string>& channels) {
  return {ProblemCode::kOverrideNotInChannels,
          "Có thiết lập riêng (overrides) cho kênh " + Quote(channel) +
              " nhưng bài viết không đăng trên kênh này. Hãy thêm " + Quote(channel) +
              " vào \"channels\" hoặc bỏ thiết lập này. Kênh của bài: " + Join(channels) + ".",
          "override for channel " + Quote(channel) + " which is not among the item's channels (" +
              Join(channels) + ")"};
}

Message OverrideEmpty(std::string_view field) {
  return {ProblemCode::kOverrideEmpty,
          "Trường " + Quote(field) + " đang để trống. Hãy ghi nội dung hoặc bỏ trường này.",
          Str(field) + " is empty"};
}

// ---- Fitting a channel's platform ---------------------------------------------

Message TitleOverLimit(const Platform& p, size_t chars, size_t max, bool own) {
  return {ProblemCode::kTitleOverLimit,
          WhereVi(p) + (own ? "tiêu đề riêng cho kênh này" : "tiêu đề") + OverVi(p, chars, max) +
              (own ? " Hãy rút gọn tiêu đề riêng này."
                   : " Hãy rút gọn tiêu đề, hoặc ghi một tiêu đề ngắn hơn riêng cho kênh "
                     "này: " +
                         OverrideVi(p) + "title\": \"…\"}}."),
          WhereEn(p) + (own ? "the channel's own title" : "the title") + OverEn(p, chars, max)};
}

Message TextOverLimit(const Platform& p, size_t chars, size_t max, bool own, bool has_summary,
                      bool has_link) {
  std::string parts_vi = std::string("tiêu đề, ") + (has_summary ? "tóm tắt" : "toàn văn") +
                         (has_link ? ", liên kết" : "");
  std::string hint_vi =
      own ? " Hãy rút gọn nội dung riêng này."
      : has_summary
          ? " Hãy rút gọn tiêu đề hoặc phần tóm tắt (\"summary\"), hoặc ghi nội dung riêng "
            "cho kênh này: " +
                OverrideVi(p) + "text\": \"…\"}}."
          : " Hãy thêm phần tóm tắt (\"summary\") để đăng thay cho toàn văn, hoặc ghi nội "
            "dung riêng cho kênh này: " +
                OverrideVi(p) + "text\": \"…\"}}.";
  return {ProblemCode::kTextOverLimit,
          WhereVi(p) +
              (own ? "nội dung riêng cho kênh này" : "nội dung bài đăng (" + parts_vi + ")") +
              OverVi(p, chars, max) + hint_vi,
          WhereEn(p) +
              (own ? std::string("the channel's own text")
                   : std::string("the post text (title, ") + (has_summary ? "summary" : "body") +
                         (has_link ? ", link)" : ")")) +
              OverEn(p, chars, max)};
}

Message SummaryOverLimit(const Platform& p, size_t chars, size_t max) {
  return {ProblemCode::kSummaryOverLimit,
          WhereVi(p) + Str(p.name) +
              " dùng phần tóm tắt (\"summary\") làm mô tả bài viết; phần này" +
              OverVi(p, chars, max) + " Hãy rút gọn phần tóm tắt.",
          WhereEn(p) + "the summary, " + Str(p.name) + "'s description," + OverEn(p, chars, max)};
}

Message FirstParagraphOverLimit(const Platform& p, size_t chars, size_t max) {
  return {ProblemCode::kFirstParagraphOverLimit,
          WhereVi(p) +
              "bài viết không có tóm tắt (\"summary\") nên loa dùng đoạn đầu của nội "
              "dung làm mô tả bài viết trên " +
              Str(p.name) + ", nhưng đoạn này" + OverVi(p, chars, max) +
              " Hãy thêm trường \"summary\" ngắn gọn (tối đa " + CountVi(max) + " ký tự).",
          WhereEn(p) + "the item has no summary and its first paragraph, " + Str(p.name) +
              "'s description," + OverEn(p, chars, max) + "; add a shorter summary"};
}

Message MediaKindRefused(const Platform& p, bool image, std::string_view shown) {
  const char* kind_vi = image ? "ảnh" : "video";
  const char* kind_en = image ? "image" : "video";
  return {ProblemCode::kMediaKindRefused,
          WhereVi(p) + Str(p.name) + " không nhận " + kind_vi + " nên tệp " + Quote(shown) +
              " không đăng được. Hãy bỏ tệp này hoặc bỏ kênh " + Str(p.channel) + " khỏi bài viết.",
          WhereEn(p) + Str(p.name) + " takes no " + kind_en + ", so " + Quote(shown) +
              " cannot be published there"};
}

Message MediaTypeRefused(const Platform& p, bool image, std::string_view shown,
                         const std::vector<std::string>& extensions) {
  const char* kind_vi = image ? "ảnh" : "video";
  const char* kind_en = image ? "image" : "video";
  return {ProblemCode::kMediaTypeRefused,
          WhereVi(p) + Str(p.name) + " chỉ nhận " + kind_vi + " dạng " + Join(extensions) +
              " nên " + kind_vi + " " + Quote(shown) +
              " không đăng được. Hãy chuyển tệp sang một trong các dạng đó, hoặc bỏ kênh " +
              Str(p.channel) + " khỏi bài viết.",
          WhereEn(p) + Str(p.name) + " takes " + kind_en + "s of type " + Join(extensions) +
              " only, not " + Quote(shown)};
}

Message MediaOverSize(const Platform& p, bool image, std::string_view shown, int64_t size,
                      int64_t max) {
  const char* kind_vi = image ? "ảnh" : "video";
  const char* kind_en = image ? "image" : "video";
  return {ProblemCode::kMediaOverSize,
          WhereVi(p) + kind_vi + " " + Quote(shown) + " nặng " + SizeText(size, ',') +
              ", vượt giới hạn " + SizeText(max, ',') + " của " + Str(p.name) +
              ". Hãy giảm dung lượng tệp (nén hoặc thu nhỏ kích thước) rồi gửi lại.",
          WhereEn(p) + kind_en + " " + Quote(shown) + " is " +
              CountEn(static_cast<uint64_t>(size)) + " bytes, over " + Str(p.name) +
              "'s limit of " + SizeText(max, '.') + " (" + CountEn(static_cast<uint64_t>(max)) +
              " bytes)"};
}

Message VideoNotAlone(const Platform& p, size_t videos, size_t images) {
  return {
      ProblemCode::kVideoNotAlone,
      WhereVi(p) + "một bài đăng " + Str(p.name) +
          " chỉ mang được một video và không kèm ảnh, nhưng bài viết có " + std::to_string(videos) +
          " video và " + std::to_string(images) +
          " ảnh. Hãy tách thành nhiều bài viết, hoặc bỏ kênh " + Str(p.channel) + " khỏi bài viết.",
      WhereEn(p) + "a " + Str(p.name) + " post carries one video and nothing else; the item has " +
          std::to_string(videos) + " video(s) and " + std::to_string(images) + " image(s)"};
}

}  // namespace loa::messages
