#include "inbox/item_parser.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/text.h"
#include "inbox/channel_text.h"
#include "inbox/inbox_file.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

using nlohmann::json;

constexpr size_t kValueChars = 80;
constexpr size_t kMaxIdLength = 120;
constexpr size_t kMaxTopicLength = 64;
constexpr size_t kMaxLinkLength = 2000;
// The format nests three levels at most (overrides.<channel>.title,
// media[i].file); anything much deeper is hostile, and refusing it before
// the JSON library builds it keeps every later step (including printing a
// value into a report) far from the stack's limits.
constexpr size_t kMaxDepth = 32;
// A one-line field (title, summary, caption, ...) is at most this long.
constexpr size_t kMaxLineChars = 2000;
// publish_at must fall within these years: a year 0 or 9999 is a typo.
constexpr int kFirstYear = 2000;
constexpr int kLastYear = 2099;

const std::vector<std::string>& TopLevelKeys() {
  static const std::vector<std::string> keys = {
      "id",   "title", "summary",     "body",  "body_file", "publish_at", "channels", "topics",
      "form", "unit",  "approved_by", "media", "link",      "overrides",  "action"};
  return keys;
}

const std::vector<std::string>& OverrideKeys() {
  static const std::vector<std::string> keys = {"title", "text", "publish_at"};
  return keys;
}

const std::vector<std::string>& MediaKeys() {
  static const std::vector<std::string> keys = {"file", "caption"};
  return keys;
}

constexpr std::array<const char*, 7> kForms = {"news",        "article", "reportage",   "video",
                                               "infographic", "photo",   "announcement"};

struct MediaType {
  const char* extension;
  const char* content_type;
};
constexpr std::array<MediaType, 7> kMediaTypes = {{{".jpg", "image/jpeg"},
                                                   {".jpeg", "image/jpeg"},
                                                   {".png", "image/png"},
                                                   {".gif", "image/gif"},
                                                   {".webp", "image/webp"},
                                                   {".mp4", "video/mp4"},
                                                   {".pdf", "application/pdf"}}};

std::string Join(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool IsSlugChar(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

// [a-z0-9][a-z0-9<extra>]{0,max-1}
bool IsSlug(std::string_view s, std::string_view extra, size_t max_length) {
  if (s.empty() || s.size() > max_length || !IsSlugChar(s[0], "")) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return IsSlugChar(c, extra); });
}

bool IsValidId(std::string_view s) { return IsSlug(s, "._-", kMaxIdLength); }
bool IsValidTopic(std::string_view s) { return IsSlug(s, "_-", kMaxTopicLength); }

enum class UrlProblem { kNone, kScheme, kSpace, kUserInfo, kNoHost };

// An absolute http(s) URL with a host, no white space and no user name or
// password: enough to catch "www.example.gov.vn", pasted sentences,
// javascript:/data:/file: links and "https://trusted.gov.vn@elsewhere/".
// Control characters are refused before (CheckCharacters).
UrlProblem CheckHttpUrl(std::string_view s) {
  std::string lower = AsciiLower(s);
  size_t rest;
  if (lower.starts_with("https://")) {
    rest = 8;
  } else if (lower.starts_with("http://")) {
    rest = 7;
  } else {
    return UrlProblem::kScheme;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return UrlProblem::kSpace;
  }
  size_t host_end = s.find_first_of("/?#", rest);
  std::string_view host =
      s.substr(rest, host_end == std::string_view::npos ? s.npos : host_end - rest);
  if (host.find('@') != std::string_view::npos) return UrlProblem::kUserInfo;
  if (host.empty() || host[0] == ':' || host[0] == '.') return UrlProblem::kNoHost;
  return UrlProblem::kNone;
}

// The candidate a typo most likely meant, if one is close enough.
std::optional<std::string> Closest(std::string_view name,
                                   const std::vector<std::string>& candidates) {
  if (name.size() > 64) return std::nullopt;  // no typo of a short name
  std::string lower = AsciiLower(name);
  std::optional<std::string> best;
  size_t best_distance = 3;
  for (const auto& c : candidates) {
    size_t d = EditDistance(lower, c);
    if (d < best_distance && d < std::max<size_t>(c.size(), 2)) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

const char* TypeVi(const json& v) {
  switch (v.type()) {
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

const char* TypeEn(const json& v) {
  switch (v.type()) {
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

// At most kValueChars characters of `s`, for quoting in a problem.
std::string Shown(std::string_view s) { return ShortenUtf8(s, kValueChars); }

// A short one-line rendering of any JSON value for a report. A value may be
// huge or nested as deep as kMaxDepth, so it is written with an explicit
// stack and stops once it has more than it can show: never recursive,
// never larger than a few hundred bytes.
std::string ShowValue(const json& v) {
  if (v.is_string()) return Shown(v.get_ref<const std::string&>());
  constexpr size_t kBudget = kValueChars * 4;
  std::string out;
  auto scalar = [&](const json& s) {
    if (s.is_string()) {
      out += json(Shown(s.get_ref<const std::string&>()))
                 .dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
      out += s.dump();  // a number, boolean or null: flat
    }
  };
  struct Frame {
    const json* node;
    json::const_iterator next;
    bool first;
  };
  std::vector<Frame> stack;
  auto enter = [&](const json& n) {
    if (!n.is_structured()) return scalar(n);
    out += n.is_object() ? '{' : '[';
    stack.push_back(Frame{&n, n.cbegin(), true});
  };
  enter(v);
  while (!stack.empty() && out.size() < kBudget) {
    Frame& top = stack.back();
    if (top.next == top.node->cend()) {
      out += top.node->is_object() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    if (!top.first) out += ',';
    top.first = false;
    auto it = top.next++;
    if (top.node->is_object()) {
      out += json(Shown(it.key())).dump(-1, ' ', false, json::error_handler_t::replace) + ':';
    }
    enter(*it);  // may grow `stack`: `top` is not used after this
  }
  return Shown(out);
}

std::string HumanSize(uint64_t bytes) {
  if (bytes < 10 * 1024) return std::to_string(bytes) + " byte";
  if (bytes < 10 * 1024 * 1024) return std::to_string(bytes / 1024) + " KB";
  return std::to_string(bytes / (1024 * 1024)) + " MB";
}

// 63206 -> "63.206" (Vietnamese) or "63,206" (English).
std::string GroupDigits(uint64_t n, char separator) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}
std::string CountVi(uint64_t n) { return GroupDigits(n, '.'); }
std::string CountEn(uint64_t n) { return GroupDigits(n, ','); }

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

// The item's own name: "x" for x.json and for a folder x/ (trailing slash or not).
fs::path ItemFileName(const fs::path& path) {
  fs::path p = path;
  if (p.filename().empty()) p = p.parent_path();
  return p.filename();
}

bool HasJsonExtension(const fs::path& name) {
  return AsciiLower(name.extension().string()) == ".json";
}

// Line and column (1-based) of byte `offset` in `text`.
std::pair<size_t, size_t> LineColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
  return {line, offset - line_start + 1};
}

std::string LineAt(std::string_view text, size_t line) {
  size_t start = 0;
  for (size_t i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  size_t end = text.find('\n', start);
  std::string_view l = text.substr(start, end == std::string_view::npos ? text.npos : end - start);
  return ShortenUtf8(Trim(l), kValueChars);
}

class Parser {
 public:
  Parser(const fs::path& path, const ParseOptions& options) : path_(path), options_(options) {}

  ParsedItem Run() {
    ParsedItem result;
    // Nothing an item holds may end the process reading it (the daemon, or
    // `loa check`): whatever escapes the checks below becomes a problem.
    try {
      if (auto root = Load()) {
        Check(*root);
        if (had_invalid_utf8_ && !reported_invalid_utf8_) ReportInvalidUtf8InFile();
      }
    } catch (const std::exception& e) {
      Add("", "",
          "loa gặp lỗi khi đọc bài viết này nên không đăng được (" + std::string(e.what()) +
              "). Hãy kiểm tra lại tệp, hoặc báo quản trị viên kèm tệp này.",
          std::string("the item could not be read: ") + e.what());
    }
    result.problems = std::move(problems_);
    if (result.problems.empty()) {
      result.item = std::move(item_);
      result.media_files = std::move(media_files_);
    }
    return result;
  }

 private:
  // Every problem passes here: whatever it quotes from the item is shown on
  // one line, with control characters and bad bytes escaped (EscapeForDisplay),
  // so no report or log line can be forged or garbled by an item.
  void Add(std::string field, std::string value, std::string vi, std::string en) {
    problems_.push_back(Problem{EscapeForDisplay(ShortenUtf8(field, kValueChars * 2)),
                                EscapeForDisplay(value), EscapeForDisplay(vi),
                                EscapeForDisplay(en)});
  }

  void WrongType(const std::string& field, const json& v, const std::string& expected_vi,
                 const std::string& expected_en) {
    Add(field, ShowValue(v),
        "Trường " + Quote(field) + " phải là " + expected_vi + ", nhưng đang là " + TypeVi(v) + ".",
        field + " must be " + expected_en + ", not " + TypeEn(v));
  }

  // ---- Reading the file --------------------------------------------------

  // The item's own name must be text a person can read back: loa quotes it
  // in reports and logs, and the id defaults to it.
  void CheckName() {
    std::string shown = ShowName(name_, kValueChars);
    if (!IsValidUtf8(name_)) {
      Add("", shown,
          "Tên tệp/thư mục " + Quote(shown) +
              " có ký tự không phải UTF-8 hợp lệ (thường do chép từ máy dùng bảng mã khác). "
              "Hãy đổi tên, chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.",
          "the item name " + Quote(shown) + " is not valid UTF-8");
    } else if (auto c = FindRefusedChar(name_)) {
      Add("", shown,
          "Tên tệp/thư mục " + Quote(shown) + " chứa ký tự điều khiển " +
              DescribeCodePoint(c->code_point) + " ở vị trí thứ " + std::to_string(c->position) +
              ". Hãy đổi tên, chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.",
          "the item name " + Quote(shown) + " holds the control character " +
              DescribeCodePoint(c->code_point) + " at character " + std::to_string(c->position));
    } else if (IsIgnoredInboxName(name_)) {
      Add("", shown,
          "Tên " + Quote(shown) +
              " là tên của tệp ẩn hoặc tệp tạm (bắt đầu bằng \".\" hoặc \"~\", hay kết thúc "
              "bằng .tmp, .part, .crdownload) nên loa bỏ qua, không bao giờ nhận bài này. Hãy "
              "đổi tên tệp.",
          "the name " + Quote(shown) +
              " is one the inbox ignores (hidden or temporary: starting with \".\" or \"~\", "
              "or ending in .tmp, .part, .crdownload); rename it");
    }
  }

  void CannotReadFolder(const fs::path& folder, const std::string& error) {
    std::string shown = ShowName(folder.filename().string(), kValueChars);
    Add("", "",
        "Không đọc được thư mục " + Quote(shown) + ": " + error +
            " (không có quyền đọc). Hãy cấp quyền đọc thư mục cho loa, hoặc chép bài viết vào "
            "thư mục nhận bài bằng tài khoản của mình.",
        "cannot read folder " + Quote(shown) + ": " + error);
  }

  // A file the item is or names turned out not to be a regular file.
  void NotAFile(const std::string& field, const std::string& shown, FileKind kind) {
    if (kind == FileKind::kSymlink) {
      Add(field, shown,
          Quote(shown) +
              " là liên kết tượng trưng (symlink). Vì lý do an toàn, loa không đọc liên kết; hãy "
              "chép tệp thật vào thư mục bài viết.",
          Quote(shown) + " is a symbolic link; symlinks are refused");
      return;
    }
    Add(field, shown,
        Quote(shown) + " là " + FileKindVi(kind) +
            ", không phải một tệp thông thường; loa chỉ đọc tệp thông thường. Hãy chép tệp "
            "thật vào đây.",
        Quote(shown) + " is " + FileKindEn(kind) + ", not a regular file");
  }

  // Reads the JSON text of the item, or reports why it cannot.
  std::optional<std::string> ReadJsonFile(const fs::path& json_path) {
    std::string file = json_path.filename().string();
    std::string shown = ShowName(file, kValueChars);
    InboxRead read = ReadInboxFile(json_path, options_.max_json_bytes);
    switch (read.outcome) {
      case InboxRead::Outcome::kOk:
        return std::move(read.data);
      case InboxRead::Outcome::kNotRegular:
        NotAFile("", shown, read.kind);
        return std::nullopt;
      case InboxRead::Outcome::kTooLarge:
        Add("", "",
            "Tệp " + shown + " quá lớn (" + HumanSize(read.size) + ", tối đa " +
                HumanSize(options_.max_json_bytes) +
                "). Nội dung dài hãy để trong tệp riêng và ghi tên tệp vào trường \"body_file\".",
            shown + " is " + std::to_string(read.size) + " bytes, more than the limit of " +
                std::to_string(options_.max_json_bytes));
        return std::nullopt;
      case InboxRead::Outcome::kCannotRead:
        Add("", "", "Không đọc được tệp " + Quote(shown) + ": " + read.error,
            "cannot read " + Quote(shown) + ": " + read.error);
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<json> Load() {
    name_ = ItemFileName(path_).string();
    CheckName();
    FileProbe item = ProbeFile(path_);
    if (item.kind == FileKind::kSymlink) {
      Add("", "",
          "Bài viết là một liên kết tượng trưng (symlink). Vì lý do an toàn, loa không đọc "
          "liên kết tượng trưng; hãy chép tệp hoặc thư mục thật vào thư mục nhận bài.",
          "the item is a symbolic link; symlinks are refused");
      return std::nullopt;
    }
    fs::path json_path;
    if (item.kind == FileKind::kDirectory) {
      std::error_code ec;
      folder_ = fs::absolute(path_, ec).lexically_normal();
      if (folder_.filename().empty()) folder_ = folder_.parent_path();
      if (std::string error = FolderReadError(folder_); !error.empty()) {
        CannotReadFolder(folder_, error);
        return std::nullopt;
      }
      json_path = folder_ / "post.json";
      FileProbe post = ProbeFile(json_path);
      if (post.kind == FileKind::kSymlink) {
        Add("", "post.json",
            "Tệp post.json là một liên kết tượng trưng (symlink). Vì lý do an toàn, loa không "
            "đọc liên kết tượng trưng; hãy chép tệp thật vào thư mục bài viết.",
            "post.json is a symbolic link; symlinks are refused");
        return std::nullopt;
      }
      if (post.kind == FileKind::kMissing) {
        Add("", "",
            "Thư mục bài viết không có tệp post.json. Hãy đặt tệp post.json (mô tả bài viết: "
            "tiêu đề, kênh đăng, thời gian…) vào thư mục này.",
            "the item folder has no post.json");
        return std::nullopt;
      }
      default_id_ = name_;
    } else if (item.kind == FileKind::kMissing) {
      std::string shown = ShowName(path_.string());
      Add("", "", "Không tìm thấy bài viết tại " + Quote(shown) + ".", "no such item: " + shown);
      return std::nullopt;
    } else if (item.kind == FileKind::kUnreadable) {
      std::string shown = ShowName(name_, kValueChars);
      Add("", "", "Không đọc được " + Quote(shown) + ": " + item.error,
          "cannot read " + Quote(shown) + ": " + item.error);
      return std::nullopt;
    } else if (!HasJsonExtension(ItemFileName(path_))) {
      Add("", "",
          "Chỉ nhận tệp .json hoặc thư mục chứa tệp post.json. Hãy đổi tên tệp thành "
          "TÊN.json hoặc đặt bài viết vào một thư mục kèm post.json.",
          "an item must be a NAME.json file or a folder holding post.json");
      return std::nullopt;
    } else {
      json_path = path_;
      default_id_ = ItemFileName(path_).stem().string();
    }
    auto text = ReadJsonFile(json_path);
    if (!text) return std::nullopt;
    return ParseJson(*text);
  }

  // Problems the JSON library would meet only by recursing too deep or by
  // throwing, found first by one flat pass over the text: nesting deeper
  // than kMaxDepth, and numbers no double or 64-bit integer can hold. The
  // pass knows strings and comments, so brackets and digits inside them do
  // not count; it may look further than the parser would (past a syntax
  // error), which only makes it stricter.
  bool ScanJsonText(std::string_view t) {
    size_t depth = 0;
    size_t i = 0;
    while (i < t.size()) {
      char c = t[i];
      if (c == '"') {
        for (++i; i < t.size() && t[i] != '"'; ++i) {
          if (t[i] == '\\') ++i;
        }
        ++i;
        continue;
      }
      if (c == '/' && i + 1 < t.size() && t[i + 1] == '/') {
        i = t.find('\n', i);
        if (i == std::string_view::npos) break;
        continue;
      }
      if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
        i = t.find("*/", i + 2);
        if (i == std::string_view::npos) break;
        i += 2;
        continue;
      }
      if (c == '[' || c == '{') {
        if (++depth > kMaxDepth) {
          TooDeep(t, i);
          return false;
        }
      } else if (c == ']' || c == '}') {
        if (depth > 0) --depth;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        size_t end = t.find_first_not_of("0123456789+-.eE", i);
        if (end == std::string_view::npos) end = t.size();
        if (!NumberFits(t.substr(i, end - i))) {
          NumberOutOfRange(t, i, t.substr(i, end - i));
          return false;
        }
        i = end;
        continue;
      }
      ++i;
    }
    return true;
  }

  // False for a well-formed JSON number a double or a 64-bit integer
  // cannot hold (nlohmann turns a too-large integer silently into an
  // inexact double, and stops at 1e999 with an exception). Anything that is
  // not a JSON number is left to the parser's syntax check.
  static bool NumberFits(std::string_view token) {
    if (token.size() > 4096) return false;
    std::string number(token);
    bool integer = number.find_first_of(".eE") == std::string::npos;
    char* end = nullptr;
    errno = 0;
    if (integer) {
      if (number[0] == '-') {
        (void)std::strtoll(number.c_str(), &end, 10);
      } else {
        (void)std::strtoull(number.c_str(), &end, 10);
      }
      return end == number.c_str() || errno != ERANGE;
    }
    double value = std::strtod(number.c_str(), &end);
    if (end == number.c_str()) return true;
    return errno != ERANGE && std::isfinite(value);
  }

  void TooDeep(std::string_view text, size_t offset) {
    auto [line, column] = LineColumn(text, offset);
    std::string max = std::to_string(kMaxDepth);
    Add("", "dòng/line " + std::to_string(line),
        "Tệp JSON lồng nhau quá sâu: ở dòng " + std::to_string(line) + ", cột " +
            std::to_string(column) + " đã vượt quá " + max +
            " tầng ngoặc [ ] hoặc { }. Bài viết chỉ cần vài tầng; hãy kiểm tra lại tệp.",
        "the JSON is nested more than " + max + " levels deep (line " + std::to_string(line) +
            ", column " + std::to_string(column) + ")");
  }

  void NumberOutOfRange(std::string_view text, size_t offset, std::string_view token) {
    auto [line, column] = LineColumn(text, offset);
    std::string shown = Shown(token);
    Add("", shown,
        "Số " + Quote(shown) + " ở dòng " + std::to_string(line) + ", cột " +
            std::to_string(column) +
            " nằm ngoài phạm vi loa đọc được (quá lớn hoặc quá nhỏ). Bài viết không có trường "
            "nào là số; hãy ghi giá trị trong dấu ngoặc kép, ví dụ \"2026-12-01 08:00\".",
        "number out of range at line " + std::to_string(line) + ", column " +
            std::to_string(column) +
            ": numbers must be 64-bit integers or finite doubles that do not round to zero");
  }

  // A byte-order mark of an encoding other than UTF-8, by its name.
  static const char* ForeignByteOrderMark(std::string_view raw) {
    if (raw.starts_with(std::string_view("\x00\x00\xFE\xFF", 4)) ||
        raw.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) {
      return "UTF-32";
    }
    if (raw.starts_with("\xFE\xFF") || raw.starts_with("\xFF\xFE")) return "UTF-16";
    return nullptr;
  }

  std::optional<json> ParseJson(const std::string& raw) {
    if (const char* encoding = ForeignByteOrderMark(raw)) {
      Add("", encoding,
          std::string("Tệp được lưu bằng bảng mã ") + encoding +
              ", không phải UTF-8. Hãy lưu lại tệp với bảng mã UTF-8 (trong Notepad: Lưu "
              "thành… → Mã hóa: UTF-8) rồi gửi lại.",
          std::string("the file is ") + encoding + " encoded (byte-order mark); save it as UTF-8");
      return std::nullopt;
    }
    if (size_t nul = raw.find('\0'); nul != std::string::npos) {
      auto [line, column] = LineColumn(raw, nul);
      Add("", "dòng/line " + std::to_string(line),
          "Tệp chứa byte NUL (mã 0) ở dòng " + std::to_string(line) + ", cột " +
              std::to_string(column) +
              ": đây không phải tệp văn bản UTF-8. Hãy lưu lại tệp với bảng mã UTF-8.",
          "the file holds a NUL byte at line " + std::to_string(line) + ", column " +
              std::to_string(column) + ": it is not UTF-8 text");
      return std::nullopt;
    }
    size_t replaced = 0;
    text_ = RepairUtf8(raw, &replaced);
    if (replaced > 0) {
      had_invalid_utf8_ = true;
      first_invalid_line_ = LineColumn(raw, FirstInvalidUtf8(raw)).first;
    }
    if (!ScanJsonText(text_)) {
      if (had_invalid_utf8_) ReportInvalidUtf8InFile();
      return std::nullopt;
    }

    // nlohmann keeps the last of two equal keys silently; an editor who
    // wrote "title" twice should hear about it.
    struct TooDeepError {};
    std::vector<std::set<std::string>> open_objects;
    std::vector<std::string> duplicates;
    json::parser_callback_t watch_keys = [&](int depth, json::parse_event_t event, json& parsed) {
      // ScanJsonText has refused deeper text already; this keeps the bound
      // true even if the two ever disagree.
      if ((event == json::parse_event_t::object_start ||
           event == json::parse_event_t::array_start) &&
          static_cast<size_t>(depth) >= kMaxDepth) {
        throw TooDeepError{};
      }
      if (event == json::parse_event_t::object_start) {
        open_objects.emplace_back();
      } else if (event == json::parse_event_t::object_end && !open_objects.empty()) {
        open_objects.pop_back();
      } else if (event == json::parse_event_t::key && !open_objects.empty() && parsed.is_string()) {
        if (!open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicates.push_back(parsed.get<std::string>());
        }
      }
      return true;
    };

    json root;
    try {
      root = json::parse(text_, watch_keys, /*allow_exceptions=*/true, /*ignore_comments=*/true);
    } catch (const TooDeepError&) {
      TooDeep(text_, text_.size());
      return std::nullopt;
    } catch (const json::parse_error& e) {
      size_t offset = e.byte > 0 ? e.byte - 1 : 0;
      auto [line, column] = LineColumn(text_, offset);
      std::string what = e.what();
      size_t colon = what.find(": ");
      std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
      if (had_invalid_utf8_) ReportInvalidUtf8InFile();
      Add("", LineAt(text_, line),
          "Tệp JSON sai cú pháp ở dòng " + std::to_string(line) + ", cột " +
              std::to_string(column) +
              ". Hãy kiểm tra dấu phẩy, dấu ngoặc kép \" \" và các dấu ngoặc { } [ ] quanh vị trí "
              "này. Lỗi thường gặp: thiếu dấu phẩy giữa hai trường, thừa dấu phẩy sau trường "
              "cuối, dùng dấu ngoặc kép kiểu “ ” thay cho \".",
          "JSON syntax error at line " + std::to_string(line) + ", column " +
              std::to_string(column) + ": " + detail);
      return std::nullopt;
    } catch (const json::out_of_range& e) {
      // ScanJsonText refuses such numbers first, with their position.
      Add("", "",
          "Tệp có một số nằm ngoài phạm vi loa đọc được (quá lớn hoặc quá nhỏ). Bài viết không "
          "có trường nào là số; hãy kiểm tra lại tệp.",
          std::string("number out of range: ") + e.what());
      return std::nullopt;
    } catch (const json::exception& e) {
      Add("", "",
          "Không đọc được nội dung JSON của tệp (" + std::string(e.what()) +
              "). Hãy kiểm tra lại tệp.",
          std::string("the JSON could not be read: ") + e.what());
      return std::nullopt;
    }
    for (const auto& key : duplicates) {
      Add(Shown(key), "",
          "Trường " + Quote(Shown(key)) +
              " được ghi nhiều lần. Mỗi trường chỉ được ghi một lần; hãy "
              "xóa bớt để tránh nhầm lẫn.",
          "key " + Quote(Shown(key)) + " appears more than once");
    }
    if (!root.is_object()) {
      Add("", ShowValue(root),
          "Nội dung tệp phải là một đối tượng JSON đặt trong dấu ngoặc nhọn { … }, với các "
          "trường như \"title\", \"body\", \"channels\".",
          std::string("the item must be a JSON object, not ") + TypeEn(root));
      return std::nullopt;
    }
    return root;
  }

  void ReportInvalidUtf8InFile() {
    reported_invalid_utf8_ = true;
    Add("", "dòng/line " + std::to_string(first_invalid_line_),
        "Tệp không phải văn bản UTF-8 hợp lệ (lỗi từ dòng " + std::to_string(first_invalid_line_) +
            "). Hãy lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8) rồi "
            "gửi lại.",
        "the file is not valid UTF-8 (first bad byte on line " +
            std::to_string(first_invalid_line_) + ")");
  }

  // ---- Text ----------------------------------------------------------------

  // The NFC form of `s`, or nullopt (with a problem) when it held bytes that
  // were not UTF-8.
  std::optional<std::string> Text(const std::string& field, const std::string& s) {
    bool damaged = had_invalid_utf8_ && s.find(kReplacementChar) != std::string::npos;
    auto nfc = damaged ? Result<std::string>(Error{"ill-formed"}) : NormalizeNfc(s);
    if (!nfc.ok()) {
      reported_invalid_utf8_ = true;
      Add(field, ShortenUtf8(s, kValueChars),
          "Trường " + Quote(field) +
              " chứa ký tự không phải UTF-8 hợp lệ (thường do lưu tệp bằng bảng mã khác). Hãy "
              "lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8) rồi gửi "
              "lại.",
          field + " is not valid UTF-8");
      return std::nullopt;
    }
    return std::move(nfc).value();
  }

  // What a text field may hold.
  enum class Shape {
    kLine,   // one line: trimmed, no control character, at most kMaxLineChars characters
    kToken,  // one line as written (ids, names, file names): no control character
    kText,   // several lines (body, overrides' text): \n and \t allowed, \r\n and \r read as \n
  };

  // Refuses the characters IsRefusedCodePoint names (all but \n and \t in
  // a kText); a kText gets its line ends normalized first.
  bool CheckCharacters(const std::string& field, std::string* text, Shape shape) {
    if (shape == Shape::kText && text->find('\r') != std::string::npos) {
      std::string normalized;
      normalized.reserve(text->size());
      for (size_t i = 0; i < text->size(); ++i) {
        if ((*text)[i] != '\r') {
          normalized += (*text)[i];
        } else if (i + 1 >= text->size() || (*text)[i + 1] != '\n') {
          normalized += '\n';
        }
      }
      *text = std::move(normalized);
    }
    auto refused = FindRefusedChar(*text, shape == Shape::kText ? "\n\t" : "");
    if (!refused) return true;
    std::string what = DescribeCodePoint(refused->code_point);
    std::string at = std::to_string(refused->position);
    bool line_break = refused->code_point == '\n' || refused->code_point == '\r' ||
                      refused->code_point == 0x2028 || refused->code_point == 0x2029;
    Add(field, Shown(*text),
        "Trường " + Quote(field) + " chứa ký tự điều khiển " + what + " ở vị trí thứ " + at +
            (line_break ? " (xuống dòng), nhưng trường này chỉ được viết trên một dòng."
                        : ". Ký tự này không nhìn thấy được nhưng có thể làm sai lệch nội dung "
                          "khi đăng (thường do sao chép từ phần mềm khác).") +
            " Hãy xóa ký tự này rồi gửi lại.",
        field + " holds the control character " + what + " at character " + at +
            (shape == Shape::kText ? "; only line breaks and tabs are allowed there"
                                   : "; one-line fields refuse control characters, line breaks and "
                                     "bidirectional controls"));
    return false;
  }

  // A string field: nullopt with a problem when it has the wrong type, bad
  // bytes or a refused character, or is a one-line field over its length.
  std::optional<std::string> String(const std::string& field, const json& v, Shape shape,
                                    const std::string& example_vi = "") {
    if (!v.is_string()) {
      WrongType(field, v,
                "một chuỗi văn bản đặt trong dấu ngoặc kép" +
                    (example_vi.empty() ? "" : ", ví dụ " + example_vi),
                "a string");
      return std::nullopt;
    }
    auto text = Text(field, v.get_ref<const std::string&>());
    if (!text) return std::nullopt;
    if (shape == Shape::kLine) *text = Trim(*text);
    if (!CheckCharacters(field, &*text, shape)) return std::nullopt;
    if (shape != Shape::kText) {
      if (size_t n = CountCharacters(*text); n > kMaxLineChars) {
        Add(field, Shown(*text),
            "Trường " + Quote(field) + " dài " + CountVi(n) + " ký tự, vượt giới hạn " +
                CountVi(kMaxLineChars) + " ký tự của một trường một dòng. Hãy rút gọn.",
            field + " is " + CountEn(n) + " characters, over the limit of " +
                CountEn(kMaxLineChars) + " for a one-line field");
        return std::nullopt;
      }
    }
    return text;
  }

  static const json* Find(const json& object, const char* key) {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
  }

  // An optional single-line text: absent, null and blank all mean "not given".
  std::optional<std::string> OptionalLine(const json& root, const char* key) {
    const json* v = Find(root, key);
    if (!v || v->is_null()) return std::nullopt;
    auto text = String(key, *v, Shape::kLine);
    if (text && text->empty()) return std::nullopt;
    return text;
  }

  void UnknownKeys(const json& object, const std::string& prefix,
                   const std::vector<std::string>& allowed, const std::string& where_vi) {
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string field = prefix + Shown(key);
      auto guess = Closest(key, allowed);
      if (had_invalid_utf8_ && key.find(kReplacementChar) != std::string::npos) {
        (void)Text(field, key);
      }
      Add(field, ShowValue(value),
          "Trường " + Quote(Shown(key)) + " không có trong mẫu " + where_vi + "." +
              (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") +
              " Các trường được dùng: " + Join(allowed) + ".",
          "unknown key " + Quote(Shown(key)) +
              (guess ? " (did you mean " + Quote(*guess) + "?)" : "") +
              "; allowed keys: " + Join(allowed));
    }
  }

  // ---- The rules -----------------------------------------------------------

  void Check(const json& root) {
    UnknownKeys(root, "", TopLevelKeys(), "bài viết");
    CheckId(root);
    CheckTitle(root);
    CheckApprovedBy(root);
    CheckBody(root);
    CheckChannels(root);
    CheckPublishAt(root);
    CheckForm(root);
    CheckTopics(root);
    item_.summary = OptionalLine(root, "summary");
    item_.unit = OptionalLine(root, "unit");
    CheckLink(root);
    CheckAction(root);
    CheckOverrides(root);
    CheckMedia(root);
    if (channels_resolved_ && item_.action == "publish") {
      for (const auto& channel : item_.channels) CheckChannelLimits(channel);
    }
  }

  void CheckId(const json& root) {
    static const std::string kRuleVi =
        "Mã chỉ gồm chữ thường không dấu (a-z), chữ số, dấu chấm, gạch ngang hoặc gạch dưới, "
        "bắt đầu bằng chữ hoặc số, tối đa 120 ký tự; ví dụ \"2026-12-01-mot-cua-lien-thong\".";
    static const std::string kRuleEn = "expected [a-z0-9][a-z0-9._-]{0,119}";
    const json* v = Find(root, "id");
    if (v && !v->is_null()) {
      auto id = String("id", *v, Shape::kToken, "\"2026-12-01-mot-cua-lien-thong\"");
      if (!id) return;
      if (!IsValidId(*id)) {
        Add("id", ShortenUtf8(*id, kValueChars),
            "Mã bài viết (id) " + Quote(ShortenUtf8(*id, kValueChars)) + " không hợp lệ. " +
                kRuleVi,
            "id " + Quote(ShortenUtf8(*id, kValueChars)) + " is not valid: " + kRuleEn);
        return;
      }
      item_.id = *id;
      return;
    }
    if (!IsValidId(default_id_)) {
      std::string shown = ShortenUtf8(default_id_, kValueChars);
      Add("id", shown,
          "Không có trường \"id\" nên loa dùng tên tệp/thư mục " + Quote(shown) +
              " làm mã bài viết, nhưng tên này không hợp lệ. Hãy đổi tên tệp hoặc thêm trường "
              "\"id\". " +
              kRuleVi,
          "no id given and the name " + Quote(shown) + " is not a valid id: " + kRuleEn);
      return;
    }
    item_.id = default_id_;
  }

  // A required single-line text such as title or approved_by.
  std::optional<std::string> RequiredLine(const json& root, const char* key,
                                          const std::string& missing_vi,
                                          const std::string& empty_vi, const std::string& example) {
    const json* v = Find(root, key);
    if (!v) {
      Add(key, "", missing_vi, std::string(key) + " is missing");
      return std::nullopt;
    }
    auto text = String(key, *v, Shape::kLine, example);
    if (!text) return std::nullopt;
    if (text->empty()) {
      Add(key, ShowValue(*v), empty_vi, std::string(key) + " is empty");
      return std::nullopt;
    }
    return text;
  }

  void CheckTitle(const json& root) {
    auto title = RequiredLine(
        root, "title", "Thiếu tiêu đề (title). Hãy thêm trường \"title\" với tiêu đề bài viết.",
        "Tiêu đề (title) đang để trống. Hãy ghi tiêu đề bài viết vào trường \"title\".",
        "\"Sở Tư pháp tổ chức tập huấn…\"");
    if (title) item_.title = *title;
  }

  void CheckApprovedBy(const json& root) {
    auto approved_by = RequiredLine(
        root, "approved_by",
        "Thiếu người phê duyệt (approved_by). Chỉ bài đã được duyệt mới được đăng: hãy thêm "
        "trường \"approved_by\" ghi rõ người duyệt, ví dụ \"Phó Giám đốc Sở\".",
        "Người phê duyệt (approved_by) đang để trống. Hãy ghi rõ người đã duyệt bài, ví dụ "
        "\"Phó Giám đốc Sở\".",
        "\"Phó Giám đốc Sở\"");
    if (approved_by) item_.approved_by = *approved_by;
  }

  void CheckBody(const json& root) {
    const json* body = Find(root, "body");
    const json* body_file = Find(root, "body_file");
    if (body && body_file) {
      Add("body_file", ShowValue(*body_file),
          "Chỉ dùng một trong hai trường: \"body\" (nội dung viết trực tiếp) hoặc \"body_file\" "
          "(tên tệp nội dung trong thư mục bài viết), không dùng cả hai.",
          "give either body or body_file, not both");
      return;
    }
    if (!body && !body_file) {
      Add("body", "",
          "Thiếu nội dung bài viết. Hãy thêm trường \"body\" (nội dung viết trực tiếp) hoặc "
          "\"body_file\" (tên tệp Markdown nằm trong thư mục bài viết).",
          "body or body_file is required");
      return;
    }
    std::optional<std::string> markdown;
    if (body) {
      markdown = String("body", *body, Shape::kText);
      if (!markdown) return;
    } else {
      auto name = String("body_file", *body_file, Shape::kToken, "\"noi-dung.md\"");
      if (!name) return;
      auto path = ResolveFile("body_file", *name);
      if (!path) return;
      markdown = ReadBodyFile(*path, *name);
      if (!markdown) return;
    }
    if (Trim(*markdown).empty()) {
      std::string field = body ? "body" : "body_file";
      Add(field, body ? "" : ShowValue(*body_file),
          "Nội dung bài viết đang để trống. Hãy viết nội dung vào " +
              std::string(body ? "trường \"body\"." : "tệp nội dung."),
          "the body is empty");
      return;
    }
    item_.body_markdown = std::move(*markdown);
    body_field_ = body ? "body" : "body_file";
  }

  // A file the item names, read with ReadInboxFile; nullopt with a problem.
  std::optional<std::string> ReadNamedFile(const std::string& field, const fs::path& path,
                                           const std::string& name, size_t max_bytes,
                                           const char* what_vi, const char* what_en) {
    std::string shown = Shown(name);
    InboxRead read = ReadInboxFile(path, max_bytes);
    switch (read.outcome) {
      case InboxRead::Outcome::kOk:
        return std::move(read.data);
      case InboxRead::Outcome::kNotRegular:
        NotAFile(field, shown, read.kind);
        return std::nullopt;
      case InboxRead::Outcome::kTooLarge:
        Add(field, shown,
            std::string(what_vi) + " " + Quote(shown) + " quá lớn (" + HumanSize(read.size) +
                ", tối đa " + HumanSize(max_bytes) + "). Hãy giảm dung lượng tệp rồi gửi lại.",
            std::string(what_en) + " is " + std::to_string(read.size) +
                " bytes, more than the limit of " + std::to_string(max_bytes));
        return std::nullopt;
      case InboxRead::Outcome::kCannotRead:
        Add(field, shown,
            "Không đọc được " + std::string(what_vi) + " " + Quote(shown) + ": " + read.error,
            "cannot read " + std::string(what_en) + ": " + read.error);
        return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<std::string> ReadBodyFile(const fs::path& path, const std::string& name) {
    auto data = ReadNamedFile("body_file", path, name, options_.max_body_bytes, "tệp nội dung",
                              "the body file");
    if (!data) return std::nullopt;
    std::string_view content = *data;
    // Windows editors often start UTF-8 files with a byte-order mark.
    if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
    if (!IsValidUtf8(content)) {
      size_t line = LineColumn(content, FirstInvalidUtf8(content)).first;
      Add("body_file", ShortenUtf8(name, kValueChars),
          "Tệp nội dung " + Quote(name) + " không phải văn bản UTF-8 hợp lệ (lỗi từ dòng " +
              std::to_string(line) +
              "). Hãy lưu tệp với bảng mã UTF-8 (trong Notepad: Lưu thành… → Mã hóa: UTF-8).",
          "the body file is not valid UTF-8 (first bad byte on line " + std::to_string(line) + ")");
      return std::nullopt;
    }
    auto nfc = NormalizeNfc(content);
    if (!nfc.ok()) {
      Add("body_file", ShortenUtf8(name, kValueChars),
          "Tệp nội dung " + Quote(name) + " không phải văn bản UTF-8 hợp lệ.",
          "the body file is " + nfc.error());
      return std::nullopt;
    }
    std::string text = std::move(nfc).value();
    if (!CheckCharacters("body_file", &text, Shape::kText)) return std::nullopt;
    return text;
  }

  std::string KnownChannelsVi() const {
    return options_.channel_names.empty() ? "(chưa cấu hình kênh nào)"
                                          : Join(options_.channel_names);
  }
  std::string KnownChannelsEn() const {
    return options_.channel_names.empty() ? "(none configured)" : Join(options_.channel_names);
  }

  bool IsKnownChannel(const std::string& name) const {
    const auto& known = options_.channel_names;
    return std::find(known.begin(), known.end(), name) != known.end();
  }

  void UnknownChannel(const std::string& field, const std::string& name) {
    auto guess = Closest(name, options_.channel_names);
    std::string shown = ShortenUtf8(name, kValueChars);
    Add(field, shown,
        "Kênh " + Quote(shown) + " không có trong cấu hình nên cả bài viết bị từ chối." +
            (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") + " Các kênh hiện có: " +
            KnownChannelsVi() + " (hoặc ghi \"all\" để đăng trên mọi kênh).",
        "unknown channel " + Quote(shown) +
            (guess ? " (did you mean " + Quote(*guess) + "?)" : "") +
            "; known channels: " + KnownChannelsEn() + " or \"all\"");
  }

  void CheckChannels(const json& root) {
    const std::string example_vi = "[\"portal\", \"facebook\"] hoặc \"all\"";
    const json* v = Find(root, "channels");
    if (!v) {
      Add("channels", "",
          "Thiếu kênh đăng (channels). Hãy thêm trường \"channels\", ví dụ " + example_vi +
              " để đăng trên mọi kênh. Các kênh hiện có: " + KnownChannelsVi() + ".",
          "channels is missing: give an array of channel names or \"all\"; known channels: " +
              KnownChannelsEn());
      return;
    }
    bool all = false;
    std::vector<std::pair<std::string, std::string>> named;  // field, channel
    bool ok = true;
    if (v->is_string()) {
      auto name = String("channels", *v, Shape::kToken);
      if (!name) return;
      if (*name == "all") {
        all = true;
      } else {
        // A lone name instead of a one-element list is what the editor meant.
        named.emplace_back("channels", *name);
      }
    } else if (v->is_array()) {
      if (v->empty()) {
        Add("channels", "[]",
            "Danh sách kênh đăng (channels) đang trống. Hãy ghi ít nhất một kênh, ví dụ " +
                example_vi + ". Các kênh hiện có: " + KnownChannelsVi() + ".",
            "channels is empty; known channels: " + KnownChannelsEn());
        return;
      }
      for (size_t i = 0; i < v->size(); ++i) {
        std::string field = "channels[" + std::to_string(i) + "]";
        auto name = String(field, (*v)[i], Shape::kToken, "\"portal\"");
        if (!name) {
          ok = false;
        } else if (*name == "all") {
          all = true;
        } else {
          named.emplace_back(field, *name);
        }
      }
    } else {
      WrongType("channels", *v, "danh sách tên kênh, ví dụ " + example_vi,
                "an array of channel names or \"all\"");
      return;
    }
    std::vector<std::string> names;
    for (const auto& [field, name] : named) {
      if (!IsKnownChannel(name)) {
        UnknownChannel(field, name);
        ok = false;
      } else if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
    if (all && options_.channel_names.empty()) {
      Add("channels", "all",
          "Chưa có kênh nào được cấu hình nên không thể đăng với \"all\". Hãy báo quản trị viên.",
          "\"all\" was given but no channel is configured");
      ok = false;
    }
    if (!ok) return;
    item_.channels = all ? options_.channel_names : std::move(names);
    channels_resolved_ = true;
  }

  std::optional<TimePoint> Time(const std::string& field, const json& v) {
    std::string zone = FormatZoneOffset(options_.zone);
    std::string example_vi =
        "\"2026-12-01 08:00\" (giờ theo múi " + zone + ") hoặc \"2026-12-01T08:00:00" + zone + "\"";
    auto text = String(field, v, Shape::kLine, example_vi);
    if (!text) return std::nullopt;
    std::string shown = Shown(*text);
    auto t = ParseTime(*text, options_.zone);
    if (!t.ok()) {
      Add(field, shown,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) +
              " không đúng định dạng hoặc không có thật. Hãy ghi theo dạng " + example_vi + ".",
          "'" + shown +
              "' is not a time: expected RFC 3339 (2026-12-01T08:00:00+07:00) or "
              "'YYYY-MM-DD HH:MM[:SS]'");
      return std::nullopt;
    }
    // ParseTime reads a leap second as the second before it; an editor who
    // wrote ":60" made a typo, and a publication time never needs one.
    if (text->size() >= 19 && text->compare(16, 3, ":60") == 0) {
      Add(field, shown,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) +
              " có giây thứ 60 (giây nhuận), không dùng được cho giờ đăng bài. Hãy ghi giây từ 00 "
              "đến 59.",
          "'" + shown + "' has second 60 (a leap second); write a second from 00 to 59");
      return std::nullopt;
    }
    // The year as written (ParseTime checked its four digits), not as in UTC.
    int year = std::stoi(text->substr(0, 4));
    if (year < kFirstYear || year > kLastYear) {
      std::string range = std::to_string(kFirstYear) + "–" + std::to_string(kLastYear);
      Add(field, shown,
          "Thời gian " + Quote(shown) + " ở trường " + Quote(field) + " nằm ngoài khoảng năm " +
              range + " mà loa nhận; có lẽ năm bị gõ nhầm. Hãy kiểm tra lại.",
          "'" + shown + "' is outside the years " + range + " loa accepts");
      return std::nullopt;
    }
    return *t;
  }

  void CheckPublishAt(const json& root) {
    const json* v = Find(root, "publish_at");
    item_.publish_at = options_.now;
    if (!v || v->is_null()) return;
    if (auto t = Time("publish_at", *v)) item_.publish_at = *t;
  }

  void CheckForm(const json& root) {
    auto form = OptionalLine(root, "form");
    if (!form) return;
    if (std::find(kForms.begin(), kForms.end(), *form) == kForms.end()) {
      std::vector<std::string> forms(kForms.begin(), kForms.end());
      auto guess = Closest(*form, forms);
      std::string shown = ShortenUtf8(*form, kValueChars);
      Add("form", shown,
          "Hình thức (form) " + Quote(shown) + " không hợp lệ." +
              (guess ? " Có phải ý bạn là " + Quote(*guess) + "?" : "") +
              " Chọn một trong: news (tin), article (bài viết), reportage (phóng sự), video, "
              "infographic, photo (ảnh), announcement (thông báo).",
          "form " + Quote(shown) + " is not one of " + Join(forms));
      return;
    }
    item_.form = *form;
  }

  void CheckTopics(const json& root) {
    const json* v = Find(root, "topics");
    if (!v || v->is_null()) return;
    if (!v->is_array()) {
      WrongType("topics", *v, "danh sách chủ đề, ví dụ [\"kiem-soat-tthc\", \"mot-cua\"]",
                "an array of topic names");
      return;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      std::string field = "topics[" + std::to_string(i) + "]";
      auto topic = String(field, (*v)[i], Shape::kLine, "\"kiem-soat-tthc\"");
      if (!topic) continue;
      if (!IsValidTopic(*topic)) {
        std::string shown = ShortenUtf8(*topic, kValueChars);
        Add(field, shown,
            "Chủ đề " + Quote(shown) +
                " không hợp lệ: chỉ dùng chữ thường không dấu (a-z), chữ số, gạch ngang hoặc "
                "gạch dưới, tối đa 64 ký tự; ví dụ \"kiem-soat-tthc\".",
            "topic " + Quote(shown) + " is not valid: expected [a-z0-9][a-z0-9_-]{0,63}");
        continue;
      }
      if (std::find(item_.topics.begin(), item_.topics.end(), *topic) == item_.topics.end()) {
        item_.topics.push_back(*topic);
      }
    }
  }

  void CheckLink(const json& root) {
    auto link = OptionalLine(root, "link");
    if (!link) return;
    std::string shown = Shown(*link);
    auto refuse = [&](const std::string& why_vi, const std::string& why_en) {
      Add("link", shown, "Liên kết (link) " + Quote(shown) + " không hợp lệ: " + why_vi,
          "link " + Quote(shown) + " " + why_en);
    };
    if (size_t n = CountCharacters(*link); n > kMaxLinkLength) {
      refuse("dài " + CountVi(n) + " ký tự, vượt giới hạn " + CountVi(kMaxLinkLength) +
                 " ký tự. Hãy dùng địa chỉ ngắn hơn.",
             "is " + CountEn(n) + " characters, over the limit of " + CountEn(kMaxLinkLength));
      return;
    }
    switch (CheckHttpUrl(*link)) {
      case UrlProblem::kNone:
        item_.link = *link;
        return;
      case UrlProblem::kScheme:
        refuse(
            "chỉ nhận địa chỉ web đầy đủ, bắt đầu bằng http:// hoặc https://; ví dụ "
            "\"https://dichvucong.gov.vn/\".",
            "must start with http:// or https://");
        return;
      case UrlProblem::kSpace:
        refuse(
            "địa chỉ không được có dấu cách. Hãy ghi địa chỉ liền, ví dụ "
            "\"https://dichvucong.gov.vn/\".",
            "holds white space");
        return;
      case UrlProblem::kUserInfo:
        refuse(
            "địa chỉ không được chứa tên người dùng hay mật khẩu (phần trước dấu @), vì phần đó "
            "có thể che giấu trang thật mà liên kết dẫn tới. Hãy bỏ phần này.",
            "must not hold a user name or password (user@host): it can disguise the real host");
        return;
      case UrlProblem::kNoHost:
        refuse("thiếu tên miền sau http:// hoặc https://; ví dụ \"https://dichvucong.gov.vn/\".",
               "has no host");
        return;
    }
  }

  void CheckAction(const json& root) {
    const json* v = Find(root, "action");
    if (!v || v->is_null()) return;
    auto action = String("action", *v, Shape::kLine, "\"publish\"");
    if (!action) return;
    if (*action != "publish" && *action != "retract") {
      std::string shown = ShortenUtf8(*action, kValueChars);
      Add("action", shown,
          "Thao tác (action) " + Quote(shown) +
              " không hợp lệ. Chỉ dùng \"publish\" (đăng bài, mặc định) hoặc \"retract\" (gỡ "
              "bài đã đăng).",
          "action " + Quote(shown) + " must be \"publish\" or \"retract\"");
      return;
    }
    item_.action = *action;
  }

  void CheckOverrides(const json& root) {
    const json* v = Find(root, "overrides");
    if (!v || v->is_null()) return;
    if (!v->is_object()) {
      WrongType("overrides", *v, "đối tượng theo tên kênh, ví dụ {\"facebook\": {\"text\": \"…\"}}",
                "an object keyed by channel name");
      return;
    }
    for (const auto& [channel, value] : v->items()) {
      std::string prefix = "overrides." + channel;
      if (!IsKnownChannel(channel)) {
        UnknownChannel(prefix, channel);
      } else if (channels_resolved_ && std::find(item_.channels.begin(), item_.channels.end(),
                                                 channel) == item_.channels.end()) {
        Add(prefix, channel,
            "Có thiết lập riêng (overrides) cho kênh " + Quote(channel) +
                " nhưng bài viết không đăng trên kênh này. Hãy thêm " + Quote(channel) +
                " vào \"channels\" hoặc bỏ thiết lập này. Kênh của bài: " + Join(item_.channels) +
                ".",
            "override for channel " + Quote(channel) + " which is not among the item's channels (" +
                Join(item_.channels) + ")");
      }
      if (!value.is_object()) {
        WrongType(prefix, value, "đối tượng, ví dụ {\"text\": \"…\", \"publish_at\": \"…\"}",
                  "an object with title, text, publish_at");
        continue;
      }
      UnknownKeys(value, prefix + ".", OverrideKeys(), "thiết lập riêng cho kênh (overrides)");
      ChannelOverride o;
      for (const char* key : {"title", "text"}) {
        const json* field_value = Find(value, key);
        if (!field_value || field_value->is_null()) continue;
        std::string field = prefix + "." + key;
        auto text = String(field, *field_value,
                           std::string_view(key) == "title" ? Shape::kLine : Shape::kText);
        if (!text) continue;
        if (Trim(*text).empty()) {
          Add(field, "",
              "Trường " + Quote(field) + " đang để trống. Hãy ghi nội dung hoặc bỏ trường này.",
              field + " is empty");
          continue;
        }
        (std::string_view(key) == "title" ? o.title : o.text) = std::move(*text);
      }
      if (const json* t = Find(value, "publish_at"); t && !t->is_null()) {
        o.publish_at = Time(prefix + ".publish_at", *t);
      }
      item_.overrides[channel] = std::move(o);
    }
  }

  // ---- Platform limits -----------------------------------------------------

  // The item must fit each channel it names, measured on what the channel
  // will publish (RenderForChannel), so a too-long title or an oversized
  // photo is the editor's to fix now, not a failed delivery at the due time.
  void CheckChannelLimits(const std::string& channel) {
    auto found = options_.limits.find(channel);
    if (found == options_.limits.end()) return;
    const ChannelLimits& limits = found->second;
    const ChannelText rendered = RenderForChannel(item_, channel);
    auto o = item_.overrides.find(channel);
    const ChannelOverride* own = o == item_.overrides.end() ? nullptr : &o->second;
    const std::string where_vi = "Kênh " + channel + ": ";
    const std::string where_en = "channel " + channel + ": ";
    const std::string& platform = limits.platform;
    auto over_vi = [&](size_t n, size_t max) {
      return " dài " + CountVi(n) + " ký tự, vượt giới hạn " + CountVi(max) + " ký tự của " +
             platform + ".";
    };
    auto over_en = [&](size_t n, size_t max) {
      return " is " + CountEn(n) + " characters, over " + platform + "'s limit of " + CountEn(max);
    };
    const std::string override_vi = "\"overrides\": {\"" + channel + "\": {\"";
    // The length of `text` when it is over `max`, else 0 (as when unlimited).
    auto over_limit = [](size_t max, const std::string& text) -> size_t {
      if (max == 0) return 0;
      size_t n = CountCharacters(text);
      return n > max ? n : 0;
    };

    if (size_t n = over_limit(limits.max_title_chars, rendered.title)) {
      bool overridden = own && own->title;
      Add(overridden ? "overrides." + channel + ".title" : "title",
          ShortenUtf8(rendered.title, kValueChars),
          where_vi + (overridden ? "tiêu đề riêng cho kênh này" : "tiêu đề") +
              over_vi(n, limits.max_title_chars) +
              (overridden ? " Hãy rút gọn tiêu đề riêng này."
                          : " Hãy rút gọn tiêu đề, hoặc ghi một tiêu đề ngắn hơn riêng cho kênh "
                            "này: " +
                                override_vi + "title\": \"…\"}}."),
          where_en + (overridden ? "the channel's own title" : "the title") +
              over_en(n, limits.max_title_chars));
    }

    if (size_t n = over_limit(limits.max_text_chars, rendered.text)) {
      bool overridden = own && own->text;
      std::string field = overridden      ? "overrides." + channel + ".text"
                          : item_.summary ? "summary"
                                          : body_field_;
      std::string parts_vi = std::string("tiêu đề, ") + (item_.summary ? "tóm tắt" : "toàn văn") +
                             (item_.link ? ", liên kết" : "");
      std::string hint_vi =
          overridden ? " Hãy rút gọn nội dung riêng này."
          : item_.summary
              ? " Hãy rút gọn tiêu đề hoặc phần tóm tắt (\"summary\"), hoặc ghi nội dung riêng "
                "cho kênh này: " +
                    override_vi + "text\": \"…\"}}."
              : " Hãy thêm phần tóm tắt (\"summary\") để đăng thay cho toàn văn, hoặc ghi nội "
                "dung riêng cho kênh này: " +
                    override_vi + "text\": \"…\"}}.";
      Add(field, ShortenUtf8(rendered.text, kValueChars),
          where_vi +
              (overridden ? "nội dung riêng cho kênh này"
                          : "nội dung bài đăng (" + parts_vi + ")") +
              over_vi(n, limits.max_text_chars) + hint_vi,
          where_en +
              (overridden
                   ? std::string("the channel's own text")
                   : std::string("the post text (title, ") + (item_.summary ? "summary" : "body") +
                         (item_.link ? ", link)" : ")")) +
              over_en(n, limits.max_text_chars));
    }

    if (size_t n = over_limit(limits.max_description_chars, rendered.summary)) {
      std::string max_vi = CountVi(limits.max_description_chars);
      if (item_.summary) {
        Add("summary", ShortenUtf8(rendered.summary, kValueChars),
            where_vi + platform + " dùng phần tóm tắt (\"summary\") làm mô tả bài viết; phần này" +
                over_vi(n, limits.max_description_chars) + " Hãy rút gọn phần tóm tắt.",
            where_en + "the summary, " + platform + "'s description," +
                over_en(n, limits.max_description_chars));
      } else {
        Add(body_field_, ShortenUtf8(rendered.summary, kValueChars),
            where_vi +
                "bài viết không có tóm tắt (\"summary\") nên loa dùng đoạn đầu của nội "
                "dung làm mô tả bài viết trên " +
                platform + ", nhưng đoạn này" + over_vi(n, limits.max_description_chars) +
                " Hãy thêm trường \"summary\" ngắn gọn (tối đa " + max_vi + " ký tự).",
            where_en + "the item has no summary and its first paragraph, " + platform +
                "'s description," + over_en(n, limits.max_description_chars) +
                "; add a shorter summary");
      }
    }

    if (limits.media_published) CheckChannelMedia(channel, limits);
  }

  void CheckChannelMedia(const std::string& channel, const ChannelLimits& limits) {
    const std::string where_vi = "Kênh " + channel + ": ";
    const std::string where_en = "channel " + channel + ": ";
    const std::string& platform = limits.platform;
    size_t images = 0, videos = 0;
    for (size_t i = 0; i < item_.media.size(); ++i) {
      const MediaFile& m = item_.media[i];
      bool image = m.content_type.starts_with("image/");
      bool video = m.content_type.starts_with("video/");
      if (!image && !video) continue;  // documents are for web channels
      (image ? images : videos)++;
      const MediaLimit& rule = image ? limits.images : limits.videos;
      const char* kind_vi = image ? "ảnh" : "video";
      const char* kind_en = image ? "image" : "video";
      std::string shown = ShortenUtf8(m.name, kValueChars);
      std::string extension = AsciiLower(fs::path(m.name).extension().string());
      const std::string& field = media_fields_[i];
      if (rule.extensions.empty()) {
        Add(field, shown,
            where_vi + platform + " không nhận " + kind_vi + " nên tệp " + Quote(shown) +
                " không đăng được. Hãy bỏ tệp này hoặc bỏ kênh " + channel + " khỏi bài viết.",
            where_en + platform + " takes no " + kind_en + ", so " + Quote(shown) +
                " cannot be published there");
        continue;
      }
      if (std::find(rule.extensions.begin(), rule.extensions.end(), extension) ==
          rule.extensions.end()) {
        Add(field, shown,
            where_vi + platform + " chỉ nhận " + kind_vi + " dạng " + Join(rule.extensions) +
                " nên " + kind_vi + " " + Quote(shown) +
                " không đăng được. Hãy chuyển tệp sang một trong các dạng đó, hoặc bỏ kênh " +
                channel + " khỏi bài viết.",
            where_en + platform + " takes " + kind_en + "s of type " + Join(rule.extensions) +
                " only, not " + Quote(shown));
        continue;
      }
      if (rule.max_bytes > 0 && m.size > rule.max_bytes) {
        Add(field, shown,
            where_vi + kind_vi + " " + Quote(shown) + " nặng " + SizeText(m.size, ',') +
                ", vượt giới hạn " + SizeText(rule.max_bytes, ',') + " của " + platform +
                ". Hãy giảm dung lượng tệp (nén hoặc thu nhỏ kích thước) rồi gửi lại.",
            where_en + kind_en + " " + Quote(shown) + " is " + CountEn(m.size) + " bytes, over " +
                platform + "'s limit of " + SizeText(rule.max_bytes, '.') + " (" +
                CountEn(rule.max_bytes) + " bytes)");
      }
    }
    if (limits.video_must_be_alone && (videos > 1 || (videos == 1 && images > 0))) {
      Add("media", "",
          where_vi + "một bài đăng " + platform +
              " chỉ mang được một video và không kèm ảnh, nhưng bài viết có " +
              std::to_string(videos) + " video và " + std::to_string(images) +
              " ảnh. Hãy tách thành nhiều bài viết, hoặc bỏ kênh " + channel + " khỏi bài viết.",
          where_en + "a " + platform + " post carries one video and nothing else; the item has " +
              std::to_string(videos) + " video(s) and " + std::to_string(images) + " image(s)");
    }
  }

  void CheckMedia(const json& root) {
    const json* v = Find(root, "media");
    if (!v || v->is_null()) return;
    if (!v->is_array()) {
      WrongType("media", *v, "danh sách tệp, ví dụ [{\"file\": \"anh-1.jpg\", \"caption\": \"…\"}]",
                "an array of {file, caption}");
      return;
    }
    std::set<std::string> names;
    for (size_t i = 0; i < v->size(); ++i) {
      std::string prefix = "media[" + std::to_string(i) + "]";
      const json& entry = (*v)[i];
      if (!entry.is_object()) {
        WrongType(prefix, entry, "đối tượng, ví dụ {\"file\": \"anh-1.jpg\", \"caption\": \"…\"}",
                  "an object {file, caption}");
        continue;
      }
      UnknownKeys(entry, prefix + ".", MediaKeys(), "tệp đính kèm (media)");
      MediaFile media;
      if (const json* caption = Find(entry, "caption"); caption && !caption->is_null()) {
        if (auto text = String(prefix + ".caption", *caption, Shape::kLine)) media.caption = *text;
      }
      std::string field = prefix + ".file";
      const json* file = Find(entry, "file");
      if (!file) {
        Add(field, "",
            "Thiếu tên tệp (file) cho tệp đính kèm thứ " + std::to_string(i + 1) +
                ". Hãy ghi tên tệp nằm trong thư mục bài viết, ví dụ {\"file\": \"anh-1.jpg\"}.",
            field + " is missing");
        continue;
      }
      auto name = String(field, *file, Shape::kToken, "\"anh-1.jpg\"");
      if (!name) continue;
      std::string extension = AsciiLower(fs::path(*name).extension().string());
      auto type = std::find_if(kMediaTypes.begin(), kMediaTypes.end(),
                               [&](const MediaType& t) { return extension == t.extension; });
      if (type == kMediaTypes.end()) {
        std::string shown = ShortenUtf8(*name, kValueChars);
        Add(field, shown,
            "Loại tệp " + Quote(shown) +
                " không được hỗ trợ. Chỉ nhận ảnh .jpg, .jpeg, .png, .gif, .webp, video .mp4 và "
                "tài liệu .pdf.",
            "unsupported file type " + Quote(shown) +
                "; allowed: jpg, jpeg, png, gif, webp, mp4, pdf");
        continue;
      }
      auto path = ResolveFile(field, *name);
      if (!path) continue;
      media.name = path->filename().string();
      if (!names.insert(media.name).second) {
        Add(field, media.name,
            "Có hai tệp đính kèm cùng tên " + Quote(media.name) +
                ". Mỗi tệp đính kèm phải có tên khác nhau.",
            "two media files are named " + Quote(media.name));
        continue;
      }
      auto data = ReadMediaFile(field, *path, *name);
      if (!data) continue;
      media.content_type = type->content_type;
      media.sha256 = Sha256Hex(*data);
      media.size = static_cast<int64_t>(data->size());
      media_files_.push_back(MediaSource{media.name, *path});
      media_fields_.push_back(field);
      item_.media.push_back(std::move(media));
    }
  }

  std::optional<std::string> ReadMediaFile(const std::string& field, const fs::path& path,
                                           const std::string& name) {
    auto data = ReadNamedFile(field, path, name, options_.max_media_bytes, "tệp", "the file");
    if (data && data->empty()) {
      std::string shown = Shown(name);
      Add(field, shown,
          "Tệp " + Quote(shown) +
              " rỗng (0 byte); có thể tệp chưa được chép xong. Hãy chép "
              "lại tệp rồi gửi lại bài.",
          "the file is empty (0 bytes)");
      return std::nullopt;
    }
    return data;
  }

  // The absolute path of a file the item names, after checking that it is a
  // regular file inside the item folder reached without any symlink.
  std::optional<fs::path> ResolveFile(const std::string& field, const std::string& name) {
    std::string shown = ShortenUtf8(name, kValueChars);
    if (folder_.empty()) {
      Add(field, shown,
          "Bài viết dạng một tệp .json không thể kèm tệp " + Quote(shown) +
              ". Hãy tạo một thư mục mang tên bài viết, đặt post.json cùng các tệp kèm theo vào "
              "thư mục đó rồi gửi cả thư mục.",
          "a single-file item cannot name files; use a folder NAME/ holding post.json and the "
          "files");
      return std::nullopt;
    }
    fs::path relative(name);
    if (name.empty() || !StaysInside(folder_, relative)) {
      Add(field, shown,
          "Đường dẫn " + Quote(shown) +
              " không hợp lệ: tệp phải nằm trong thư mục bài viết. Hãy ghi tên tệp, ví dụ "
              "\"anh-1.jpg\", không dùng \"..\" hay đường dẫn tuyệt đối.",
          Quote(shown) + " must be a relative path inside the item folder");
      return std::nullopt;
    }
    fs::path current = folder_;
    std::vector<fs::path> parts;
    for (const auto& part : relative.lexically_normal()) {
      if (!part.empty()) parts.push_back(part);
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      current /= parts[i];
      FileProbe probe = ProbeFile(current);
      if (probe.kind == FileKind::kSymlink) {
        Add(field, shown,
            Quote(shown) +
                " là liên kết tượng trưng (symlink) hoặc nằm trong một liên kết như "
                "vậy. Vì lý do an toàn, loa không đọc liên kết; hãy chép tệp thật vào thư mục bài "
                "viết.",
            Quote(shown) + " goes through a symbolic link; symlinks are refused");
        return std::nullopt;
      }
      bool last = i + 1 == parts.size();
      if (probe.kind == FileKind::kUnreadable) {
        Add(field, shown, "Không đọc được " + Quote(shown) + ": " + probe.error,
            "cannot read " + Quote(shown) + ": " + probe.error);
        return std::nullopt;
      }
      if (probe.kind == FileKind::kMissing || (!last && probe.kind != FileKind::kDirectory)) {
        Add(field, shown,
            "Không tìm thấy tệp " + Quote(shown) +
                " trong thư mục bài viết. Hãy kiểm tra tên tệp (phân biệt chữ hoa, chữ thường) "
                "và chép tệp vào thư mục.",
            Quote(shown) + " not found in the item folder");
        return std::nullopt;
      }
      if (last && probe.kind != FileKind::kRegular) {
        NotAFile(field, shown, probe.kind);
        return std::nullopt;
      }
    }
    return current;
  }

  const fs::path path_;
  const ParseOptions& options_;
  std::string name_;
  std::string default_id_;
  fs::path folder_;  // absolute; empty for a single-file item
  std::string text_;
  bool had_invalid_utf8_ = false;
  bool reported_invalid_utf8_ = false;
  size_t first_invalid_line_ = 0;
  bool channels_resolved_ = false;
  std::string body_field_ = "body";  // the key the body came from, for problems about it
  Item item_;
  std::vector<MediaSource> media_files_;
  std::vector<std::string> media_fields_;  // "media[i].file" of each item_.media entry
  std::vector<Problem> problems_;
};

}  // namespace

ParsedItem ParseItem(const fs::path& path, const ParseOptions& options) {
  return Parser(path, options).Run();
}

std::string FormatProblemReport(const fs::path& item_path, const std::vector<Problem>& problems) {
  std::string name = ShowName(ItemFileName(item_path).string());
  std::string n = std::to_string(problems.size());
  std::string out;
  out += "Bài viết \"" + name + "\" chưa được đăng vì có " + n + " lỗi.\n";
  out += "Item \"" + name + "\" was rejected: " + n + " problem" +
         (problems.size() == 1 ? "" : "s") + ".\n";
  for (size_t i = 0; i < problems.size(); ++i) {
    const Problem& p = problems[i];
    out += "\n" + std::to_string(i + 1) +
           ". Trường (field): " + (p.field.empty() ? "(toàn bài viết / whole item)" : p.field) +
           "\n";
    if (!p.value.empty()) out += "   Giá trị (value): " + p.value + "\n";
    out += "   Lỗi: " + p.vi + "\n";
    out += "   Problem: " + p.en + "\n";
  }
  out +=
      "\nHãy sửa các lỗi trên rồi đặt lại bài viết vào thư mục nhận bài (inbox) để loa kiểm tra "
      "và đăng.\n";
  out += "Fix the problems above and drop the item into the inbox again.\n";
  return out;
}

std::string FormatProblemLine(const Problem& p) {
  std::string line = (p.field.empty() ? std::string("item") : p.field) + ": " + p.en;
  if (!p.value.empty()) line += " (value: " + p.value + ")";
  return line;
}

}  // namespace loa
