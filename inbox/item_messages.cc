// The catalogue's shared formatting, and the messages about the item as a
// whole, about any field and about the files an item names. The field rules
// and the platform fit are in inbox/item_messages_rules.cc.
#include "inbox/item_messages.h"

#include <string>

namespace loa::messages {

namespace {

using nlohmann::json;

std::string Number(size_t n) { return std::to_string(n); }

std::string HumanSize(uint64_t bytes) {
  if (bytes < 10 * 1024) return std::to_string(bytes) + " byte";
  if (bytes < 10 * 1024 * 1024) return std::to_string(bytes / 1024) + " KB";
  return std::to_string(bytes / (1024 * 1024)) + " MB";
}

std::string GroupDigits(uint64_t n, char separator) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}

std::string Str(std::string_view s) { return std::string(s); }

}  // namespace

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string CountVi(uint64_t n) { return GroupDigits(n, '.'); }
std::string CountEn(uint64_t n) { return GroupDigits(n, ','); }

const char* TypeVi(json::value_t type) {
  switch (type) {
    case json::value_t::null:
      return "null (giá trị rỗng)";
    case json::value_t::boolean:
      return "giá trị true/false";
    case json::value_t::string:
      return "chuỗi văn bản";
    case json::value_t::array:
      return "danh sách [ ]";
    case json::value_t::object:
      return "đối tượng { }";
    default:
      return "số";
  }
}

const char* TypeEn(json::value_t type) {
  switch (type) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// ---- The item as a whole ----------------------------------------------------

Message Unexpected(std::string_view what) {
  return {ProblemCode::kUnexpected,
          "loa gặp lỗi khi đọc bài viết này nên không đăng được (" + Str(what) +
              "). Hãy kiểm tra lại tệp, hoặc báo quản trị viên kèm tệp này.",
          "the item could not be read: " + Str(what)};
}

Message NameNotUtf8(std::string_view shown) {
  return {ProblemCode::kNameNotUtf8,
          "Tên tệp/thư mục " + Quote(shown) +
              " có ký tự không phải UTF-8 hợp lệ (thường do chép từ máy dùng bảng mã khác). "
              "Hãy đổi tên, chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.",
          "the item name " + Quote(shown) + " is not valid UTF-8"};
}

Message NameControlChar(std::string_view shown, std::string_view code_point, size_t position) {
  return {ProblemCode::kNameControlChar,
          "Tên tệp/thư mục " + Quote(shown) + " chứa ký tự điều khiển " + Str(code_point) +
              " ở vị trí thứ " + Number(position) +
              ". Hãy đổi tên, chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.",
          "the item name " + Quote(shown) + " holds the control character " + Str(code_point) +
              " at character " + Number(position)};
}

Message NameIgnored(std::string_view shown) {
  return {ProblemCode::kNameIgnored,
          "Tên " + Quote(shown) +
              " là tên của tệp ẩn hoặc tệp tạm (bắt đầu bằng \".\" hoặc \"~\", hay kết thúc "
              "bằng .tmp, .part, .crdownload) nên loa bỏ qua, không bao giờ nhận bài này. Hãy "
              "đổi tên tệp.",
          "the name " + Quote(shown) +
              " is one the inbox ignores (hidden or temporary: starting with \".\" or \"~\", "
              "or ending in .tmp, .part, .crdownload); rename it"};
}

Message FolderUnreadable(std::string_view shown, std::string_view error) {
  return {ProblemCode::kFolderUnreadable,
          "Không đọc được thư mục " + Quote(shown) + ": " + Str(error) +
              " (không có quyền đọc). Hãy cấp quyền đọc thư mục cho loa, hoặc chép bài viết vào "
              "thư mục nhận bài bằng tài khoản của mình.",
          "cannot read folder " + Quote(shown) + ": " + Str(error)};
}

Message ItemIsSymlink() {
  return {ProblemCode::kItemIsSymlink,
          "Bài viết là một liên kết tượng trưng (symlink). Vì lý do an toàn, loa không đọc "
          "liên kết tượng trưng; hãy chép tệp hoặc thư mục thật vào thư mục nhận bài.",
          "the item is a symbolic link; symlinks are refused"};
}

Message PostJsonSymlink() {
  return {ProblemCode::kPostJsonSymlink,
          "Tệp post.json là một liên kết tượng trưng (symlink). Vì lý do an toàn, loa không "
          "đọc liên kết tượng trưng; hãy chép tệp thật vào thư mục bài viết.",
          "post.json is a symbolic link; symlinks are refused"};
}

Message NoPostJson() {
  return {ProblemCode::kNoPostJson,
          "Thư mục bài viết không có tệp post.json. Hãy đặt tệp post.json (mô tả bài viết: "
          "tiêu đề, kênh đăng, thời gian…) vào thư mục này.",
          "the item folder has no post.json"};
}

Message NoSuchItem(std::string_view shown) {
  return {ProblemCode::kNoSuchItem, "Không tìm thấy bài viết tại " + Quote(shown) + ".",
          "no such item: " + Str(shown)};
}

Message CannotReadItem(std::string_view shown, std::string_view error) {
  return {ProblemCode::kCannotReadItem, "Không đọc được " + Quote(shown) + ": " + Str(error),
          "cannot read " + Quote(shown) + ": " + Str(error)};
}

Message NotJsonItem() {
  return {ProblemCode::kNotJsonItem,
          "Chỉ nhận tệp .json hoặc thư mục chứa tệp post.json. Hãy đổi tên tệp thành "
          "TÊN.json hoặc đặt bài viết vào một thư mục kèm post.json.",
          "an item must be a NAME.json file or a folder holding post.json"};
}

Message JsonTooLarge(std::string_view shown, uint64_t size, uint64_t max) {
  return {ProblemCode::kJsonTooLarge,
          "Tệp " + Str(shown) + " quá lớn (" + HumanSize(size) + ", tối đa " + HumanSize(max) +
              "). Nội dung dài hãy để trong tệp riêng và ghi tên tệp vào trường \"body_file\".",
          Str(shown) + " is " + std::to_string(size) + " bytes, more than the limit of " +
              std::to_string(max)};
}

Message CannotReadJson(std::string_view shown, std::string_view error) {
  return {ProblemCode::kCannotReadJson, "Không đọc được tệp " + Quote(shown) + ": " + Str(error),
          "cannot read " + Quote(shown) + ": " + Str(error)};
}

Message TooDeep(size_t line, size_t column, size_t max_depth) {
  std::string max = Number(max_depth);
  return {ProblemCode::kTooDeep,
          "Tệp JSON lồng nhau quá sâu: ở dòng " + Number(line) + ", cột " + Number(column) +
              " đã vượt quá " + max +
              " tầng ngoặc [ ] hoặc { }. Bài viết chỉ cần vài tầng; hãy kiểm tra lại tệp.",
          "the JSON is nested more than " + max + " levels deep (line " + Number(line) +
              ", column " + Number(column) + ")"};
}

Message NumberOutOfRange(std::string_view shown, size_t line, size_t column) {
  return {ProblemCode::kNumberOutOfRange,
          "Số " + Quote(shown) + " ở dòng " + Number(line) + ", cột " + Number(column) +
              " nằm ngoài phạm vi loa đọc được (quá lớn hoặc quá nhỏ). Bài viết không có trường "
              "nào là số; hãy ghi giá trị trong dấu ngoặc kép, ví dụ \"2026-12-01 08:00\".",
          "number out of range at line " + Number(line) + ", column " + Number(column) +
              ": numbers must be 64-bit integers or finite doubles that do not round to zero"};
}

Message ForeignEncoding(std::string_view encoding) {
  return {ProblemCode::kForeignEncoding,
          "Tệp được lưu bằng bảng mã " + Str(encoding) +
              ", không phải UTF-8. Hãy lưu lại tệp với bảng mã UTF-8 (trong Notepad: Lưu "
              "thành… → Mã hóa: UTF-8) rồi gửi lại.",
          "the file is " + Str(encoding) + " encoded (byte-order mark); save it as UTF-8"};
}

Message NulByte(size_t line, size_t column) {
  return {ProblemCode::kNulByte,
          "Tệp chứa byte NUL (mã 0) ở dòng " + Number(line) + ", cột " + Number(column) +
              ": đây không phải tệp văn bản UTF-8. Hãy lưu lại tệp với bảng mã UTF-8.",
          "the file holds a NUL byte at line " + Number(line) + ", column " + Number(column) +
              ": it is not UTF-8 text"};
}

Message JsonSyntax(size_t line, size_t column, std::string_view detail) {
  return {ProblemCode::kJsonSyntax,
          "Tệp JSON sai cú pháp ở dòng " + Number(line) + ", cột " + Number(column) +
              ". Hãy kiểm tra dấu phẩy, dấu ngoặc kép \" \" và các dấu ngoặc { } [ ] quanh vị trí "
              "này. Lỗi thường gặp: thiếu dấu phẩy giữa hai trường, thừa dấu phẩy sau trường "
              "cuối, dùng dấu ngoặc kép kiểu “ ” thay cho \".",
          "JSON syntax error at line " + Number(line) + ", column " + Number(column) + ": " +
              Str(detail)};
}

Message NumberUnreadable(std::string_view what) {
  return {ProblemCode::kNumberUnreadable,
          "Tệp có một số nằm ngoài phạm vi loa đọc được (quá lớn hoặc quá nhỏ). Bài viết không "
          "có trường nào là số; hãy kiểm tra lại tệp.",
          "number out of range: " + Str(what)};
}

Message JsonUnreadable(std::string_view what) {
  return {ProblemCode::kJsonUnreadable,
          "Không đọc được nội dung JSON của tệp (" + Str(what) + "). Hãy kiểm tra lại tệp.",
          "the JSON could not be read: " + Str(what)};
}

Message DuplicateKey(std::string_view shown_key) {
  return {ProblemCode::kDuplicateKey,
          "Trường " + Quote(shown_key) +
              " được ghi nhiều lần. Mỗi trường chỉ được ghi một lần; hãy "
              "xóa bớt để tránh nhầm lẫn.",
          "key " + Quote(shown_key) + " appears more than once"};
}

Message NotAnObject(json::value_t got) {
  return {ProblemCode::kNotAnObject,
          "Nội dung tệp phải là một đối tượng JSON đặt trong dấu ngoặc nhọn { … }, với các "
          "trường như \"title\", \"body\", \"channels\".",
          std::string("the item must be a JSON object, not ") + TypeEn(got)};
}

Message FileNotUtf8(size_t first_bad_line) {
  return {ProblemCode::kFileNotUtf8,
          "Tệp không phải văn bản UTF-8 hợp lệ (lỗi từ dòng " + Number(first_bad_line) +
              "). Hãy lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8) rồi "
              "gửi lại.",
          "the file is not valid UTF-8 (first bad byte on line " + Number(first_bad_line) + ")"};
}

// ---- Any field --------------------------------------------------------------

Message NotAFile(std::string_view shown, FileKind kind) {
  if (kind == FileKind::kSymlink) {
    return {ProblemCode::kSymlink,
            Quote(shown) +
                " là liên kết tượng trưng (symlink). Vì lý do an toàn, loa không đọc liên kết; hãy "
                "chép tệp thật vào thư mục bài viết.",
            Quote(shown) + " is a symbolic link; symlinks are refused"};
  }
  return {ProblemCode::kNotRegularFile,
          Quote(shown) + " là " + FileKindVi(kind) +
              ", không phải một tệp thông thường; loa chỉ đọc tệp thông thường. Hãy chép tệp "
              "thật vào đây.",
          Quote(shown) + " is " + FileKindEn(kind) + ", not a regular file"};
}

Message FieldNotUtf8(std::string_view field) {
  return {ProblemCode::kFieldNotUtf8,
          "Trường " + Quote(field) +
              " chứa ký tự không phải UTF-8 hợp lệ (thường do lưu tệp bằng bảng mã khác). Hãy "
              "lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8) rồi gửi "
              "lại.",
          Str(field) + " is not valid UTF-8"};
}

Message ControlChar(std::string_view field, std::string_view code_point, size_t position,
                    bool line_break, bool multi_line_field) {
  std::string at = Number(position);
  return {ProblemCode::kControlChar,
          "Trường " + Quote(field) + " chứa ký tự điều khiển " + Str(code_point) +
              " ở vị trí thứ " + at +
              (line_break ? " (xuống dòng), nhưng trường này chỉ được viết trên một dòng."
                          : ". Ký tự này không nhìn thấy được nhưng có thể làm sai lệch nội dung "
                            "khi đăng (thường do sao chép từ phần mềm khác).") +
              " Hãy xóa ký tự này rồi gửi lại.",
          Str(field) + " holds the control character " + Str(code_point) + " at character " + at +
              (multi_line_field ? "; only line breaks and tabs are allowed there"
                                : "; one-line fields refuse control characters, line breaks and "
                                  "bidirectional controls")};
}

Message LineTooLong(std::string_view field, size_t chars, size_t max) {
  return {ProblemCode::kLineTooLong,
          "Trường " + Quote(field) + " dài " + CountVi(chars) + " ký tự, vượt giới hạn " +
              CountVi(max) + " ký tự của một trường một dòng. Hãy rút gọn.",
          Str(field) + " is " + CountEn(chars) + " characters, over the limit of " + CountEn(max) +
              " for a one-line field"};
}

Message WrongType(std::string_view field, json::value_t got, Expected expected,
                  std::string_view example_vi) {
  std::string expected_vi, expected_en;
  switch (expected) {
    case Expected::kString:
      expected_vi = "một chuỗi văn bản đặt trong dấu ngoặc kép" +
                    (example_vi.empty() ? "" : ", ví dụ " + Str(example_vi));
      expected_en = "a string";
      break;
    case Expected::kChannelList:
      expected_vi = "danh sách tên kênh, ví dụ [\"portal\", \"facebook\"] hoặc \"all\"";
      expected_en = "an array of channel names or \"all\"";
      break;
    case Expected::kTopicList:
      expected_vi = "danh sách chủ đề, ví dụ [\"kiem-soat-tthc\", \"mot-cua\"]";
      expected_en = "an array of topic names";
      break;
    case Expected::kMediaList:
      expected_vi = "danh sách tệp, ví dụ [{\"file\": \"anh-1.jpg\", \"caption\": \"…\"}]";
      expected_en = "an array of {file, caption}";
      break;
    case Expected::kMediaEntry:
      expected_vi = "đối tượng, ví dụ {\"file\": \"anh-1.jpg\", \"caption\": \"…\"}";
      expected_en = "an object {file, caption}";
      break;
    case Expected::kOverrideMap:
      expected_vi = "đối tượng theo tên kênh, ví dụ {\"facebook\": {\"text\": \"…\"}}";
      expected_en = "an object keyed by channel name";
      break;
    case Expected::kOverrideEntry:
      expected_vi = "đối tượng, ví dụ {\"text\": \"…\", \"publish_at\": \"…\"}";
      expected_en = "an object with title, text, publish_at";
      break;
  }
  return {
      ProblemCode::kWrongType,
      "Trường " + Quote(field) + " phải là " + expected_vi + ", nhưng đang là " + TypeVi(got) + ".",
      Str(field) + " must be " + expected_en + ", not " + TypeEn(got)};
}

Message UnknownKey(std::string_view shown_key, const std::vector<std::string>& allowed,
                   const std::optional<std::string>& guess, KeyPlace place) {
  const char* where_vi = "bài viết";
  if (place == KeyPlace::kMedia) where_vi = "tệp đính kèm (media)";
  if (place == KeyPlace::kOverride) where_vi = "thiết lập riêng cho kênh (overrides)";
  return {ProblemCode::kUnknownKey,
          "Trường " + Quote(shown_key) + " không có trong mẫu " + where_vi + "." +
              (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") +
              " Các trường được dùng: " + Join(allowed) + ".",
          "unknown key " + Quote(shown_key) +
              (guess ? " (did you mean " + Quote(*guess) + "?)" : "") +
              "; allowed keys: " + Join(allowed)};
}

// ---- Files the item names ---------------------------------------------------

Message FileTooLarge(NamedFile file, std::string_view shown, uint64_t size, uint64_t max) {
  const char* what_vi = file == NamedFile::kBody ? "tệp nội dung" : "tệp";
  const char* what_en = file == NamedFile::kBody ? "the body file" : "the file";
  return {ProblemCode::kFileTooLarge,
          std::string(what_vi) + " " + Quote(shown) + " quá lớn (" + HumanSize(size) + ", tối đa " +
              HumanSize(max) + "). Hãy giảm dung lượng tệp rồi gửi lại.",
          std::string(what_en) + " is " + std::to_string(size) + " bytes, more than the limit of " +
              std::to_string(max)};
}

Message CannotReadFile(NamedFile file, std::string_view shown, std::string_view error) {
  const char* what_vi = file == NamedFile::kBody ? "tệp nội dung" : "tệp";
  const char* what_en = file == NamedFile::kBody ? "the body file" : "the file";
  return {ProblemCode::kCannotReadFile,
          "Không đọc được " + std::string(what_vi) + " " + Quote(shown) + ": " + Str(error),
          "cannot read " + std::string(what_en) + ": " + Str(error)};
}

Message BodyFileNotUtf8(std::string_view name, size_t first_bad_line) {
  return {
      ProblemCode::kBodyFileNotUtf8,
      "Tệp nội dung " + Quote(name) + " không phải văn bản UTF-8 hợp lệ (lỗi từ dòng " +
          Number(first_bad_line) +
          "). Hãy lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8).",
      "the body file is not valid UTF-8 (first bad byte on line " + Number(first_bad_line) + ")"};
}

Message BodyFileNotNfc(std::string_view name, std::string_view error) {
  return {ProblemCode::kBodyFileNotNfc,
          "Tệp nội dung " + Quote(name) + " không phải văn bản UTF-8 hợp lệ.",
          "the body file is " + Str(error)};
}

Message MediaNoFile(size_t number, std::string_view field) {
  return {ProblemCode::kMediaNoFile,
          "Thiếu tên tệp (file) cho tệp đính kèm thứ " + Number(number) +
              ". Hãy ghi tên tệp nằm trong thư mục bài viết, ví dụ {\"file\": \"anh-1.jpg\"}.",
          Str(field) + " is missing"};
}

Message MediaType(std::string_view shown) {
  return {
      ProblemCode::kMediaType,
      "Loại tệp " + Quote(shown) +
          " không được hỗ trợ. Chỉ nhận ảnh .jpg, .jpeg, .png, .gif, .webp, video .mp4 và "
          "tài liệu .pdf.",
      "unsupported file type " + Quote(shown) + "; allowed: jpg, jpeg, png, gif, webp, mp4, pdf"};
}

Message SingleFileNamesFile(std::string_view shown) {
  return {ProblemCode::kSingleFileNamesFile,
          "Bài viết dạng một tệp .json không thể kèm tệp " + Quote(shown) +
              ". Hãy tạo một thư mục mang tên bài viết, đặt post.json cùng các tệp kèm theo vào "
              "thư mục đó rồi gửi cả thư mục.",
          "a single-file item cannot name files; use a folder NAME/ holding post.json and the "
          "files"};
}

Message PathOutside(std::string_view shown) {
  return {ProblemCode::kPathOutside,
          "Đường dẫn " + Quote(shown) +
              " không hợp lệ: tệp phải nằm trong thư mục bài viết. Hãy ghi tên tệp, ví dụ "
              "\"anh-1.jpg\", không dùng \"..\" hay đường dẫn tuyệt đối.",
          Quote(shown) + " must be a relative path inside the item folder"};
}

Message PathSymlink(std::string_view shown) {
  return {ProblemCode::kPathSymlink,
          Quote(shown) +
              " là liên kết tượng trưng (symlink) hoặc nằm trong một liên kết như "
              "vậy. Vì lý do an toàn, loa không đọc liên kết; hãy chép tệp thật vào thư mục bài "
              "viết.",
          Quote(shown) + " goes through a symbolic link; symlinks are refused"};
}

Message CannotReadPath(std::string_view shown, std::string_view error) {
  return {ProblemCode::kCannotReadPath, "Không đọc được " + Quote(shown) + ": " + Str(error),
          "cannot read " + Quote(shown) + ": " + Str(error)};
}

Message FileNotFound(std::string_view shown) {
  return {ProblemCode::kFileNotFound,
          "Không tìm thấy tệp " + Quote(shown) +
              " trong thư mục bài viết. Hãy kiểm tra tên tệp (phân biệt chữ hoa, chữ thường) "
              "và chép tệp vào thư mục.",
          Quote(shown) + " not found in the item folder"};
}

Message DuplicateMediaName(std::string_view name) {
  return {
      ProblemCode::kDuplicateMediaName,
      "Có hai tệp đính kèm cùng tên " + Quote(name) + ". Mỗi tệp đính kèm phải có tên khác nhau.",
      "two media files are named " + Quote(name)};
}

Message EmptyMediaFile(std::string_view shown) {
  return {ProblemCode::kEmptyMediaFile,
          "Tệp " + Quote(shown) +
              " rỗng (0 byte); có thể tệp chưa được chép xong. Hãy chép "
              "lại tệp rồi gửi lại bài.",
          "the file is empty (0 bytes)"};
}

}  // namespace loa::messages
