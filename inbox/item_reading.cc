#include "inbox/item_reading.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <system_error>
#include <vector>

#include "base/fs.h"
#include "base/json_parse.h"
#include "base/text.h"
#include "inbox/inbox_file.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

using nlohmann::json;
namespace msg = messages;

// A line number as the value of a problem about the whole file.
std::string LineValue(size_t line) { return "dòng/line " + std::to_string(line); }

bool HasJsonExtension(const fs::path& name) {
  return AsciiLower(name.extension().string()) == ".json";
}

// The text of line `line` (1-based), trimmed and shortened, to quote.
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

// The item's own name must be text a person can read back: loa quotes it
// in reports and logs, and the id defaults to it.
void CheckName(const std::string& name, ProblemList& problems) {
  std::string shown = ShowName(name, kValueChars);
  if (!IsValidUtf8(name)) {
    problems.Add("", shown, msg::NameNotUtf8(shown));
  } else if (auto c = FindRefusedChar(name)) {
    problems.Add("", shown,
                 msg::NameControlChar(shown, DescribeCodePoint(c->code_point), c->position));
  } else if (IsIgnoredInboxName(name)) {
    problems.Add("", shown, msg::NameIgnored(shown));
  }
}

// The JSON text of the item, or nullopt with the problem why it cannot be read.
std::optional<std::string> ReadJsonFile(const fs::path& json_path, size_t max_bytes,
                                        ProblemList& problems) {
  std::string shown = ShowName(json_path.filename().string(), kValueChars);
  InboxRead read = ReadInboxFile(json_path, max_bytes);
  switch (read.outcome) {
    case InboxRead::Outcome::kOk:
      return std::move(read.data);
    case InboxRead::Outcome::kNotRegular:
      problems.Add("", shown, msg::NotAFile(shown, read.kind));
      return std::nullopt;
    case InboxRead::Outcome::kTooLarge:
      problems.Add("", "", msg::JsonTooLarge(shown, read.size, max_bytes));
      return std::nullopt;
    case InboxRead::Outcome::kCannotRead:
      problems.Add("", "", msg::CannotReadJson(shown, read.error));
      return std::nullopt;
  }
  return std::nullopt;
}

// False for a well-formed JSON number a double or a 64-bit integer
// cannot hold (nlohmann turns a too-large integer silently into an
// inexact double, and stops at 1e999 with an exception). Anything that is
// not a JSON number is left to the parser's syntax check.
bool NumberFits(std::string_view token) {
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

void TooDeep(std::string_view text, size_t offset, ProblemList& problems) {
  auto [line, column] = LineColumn(text, offset);
  problems.Add("", LineValue(line), msg::TooDeep(line, column, kMaxJsonDepth));
}

// Problems the JSON library would meet only by recursing too deep or by
// throwing, found first by one flat pass over the text: nesting deeper
// than kMaxJsonDepth, and numbers no double or 64-bit integer can hold. The
// pass knows strings and comments, so brackets and digits inside them do
// not count; it may look further than the parser would (past a syntax
// error), which only makes it stricter.
bool ScanJsonText(std::string_view t, ProblemList& problems) {
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
      if (++depth > kMaxJsonDepth) {
        TooDeep(t, i, problems);
        return false;
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = t.find_first_not_of("0123456789+-.eE", i);
      if (end == std::string_view::npos) end = t.size();
      std::string_view token = t.substr(i, end - i);
      if (!NumberFits(token)) {
        auto [line, column] = LineColumn(t, i);
        std::string shown = Shown(token);
        problems.Add("", shown, msg::NumberOutOfRange(shown, line, column));
        return false;
      }
      i = end;
      continue;
    }
    ++i;
  }
  return true;
}

// A byte-order mark of an encoding other than UTF-8, by its name.
const char* ForeignByteOrderMark(std::string_view raw) {
  if (raw.starts_with(std::string_view("\x00\x00\xFE\xFF", 4)) ||
      raw.starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) {
    return "UTF-32";
  }
  if (raw.starts_with("\xFE\xFF") || raw.starts_with("\xFF\xFE")) return "UTF-16";
  return nullptr;
}

void ReportFileNotUtf8(const std::optional<size_t>& invalid_utf8_line, ProblemList& problems) {
  if (!invalid_utf8_line) return;
  problems.Add("", LineValue(*invalid_utf8_line), msg::FileNotUtf8(*invalid_utf8_line));
}

// The item's JSON object from its raw bytes. Bytes that are not UTF-8 are
// read as U+FFFD and the first one's line is kept in `invalid_utf8_line`.
std::optional<json> ParseJson(const std::string& raw, std::optional<size_t>& invalid_utf8_line,
                              ProblemList& problems) {
  if (const char* encoding = ForeignByteOrderMark(raw)) {
    problems.Add("", encoding, msg::ForeignEncoding(encoding));
    return std::nullopt;
  }
  if (size_t nul = raw.find('\0'); nul != std::string::npos) {
    auto [line, column] = LineColumn(raw, nul);
    problems.Add("", LineValue(line), msg::NulByte(line, column));
    return std::nullopt;
  }
  size_t replaced = 0;
  const std::string text = RepairUtf8(raw, &replaced);
  if (replaced > 0) invalid_utf8_line = LineColumn(raw, FirstInvalidUtf8(raw)).first;
  if (!ScanJsonText(text, problems)) {
    ReportFileNotUtf8(invalid_utf8_line, problems);
    return std::nullopt;
  }

  // nlohmann keeps the last of two equal keys silently; an editor who
  // wrote "title" twice should hear about it. ScanJsonText has refused
  // deeper text already; the bound keeps that true even if the two ever
  // disagree.
  std::vector<DuplicateKey> duplicates;
  json root;
  try {
    root = ParseJsonText(text, kMaxJsonDepth, &duplicates);
  } catch (const JsonTooDeep&) {
    TooDeep(text, text.size(), problems);
    return std::nullopt;
  } catch (const json::parse_error& e) {
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, column] = LineColumn(text, offset);
    std::string what = e.what();
    size_t colon = what.find(": ");
    std::string detail = colon == std::string::npos ? what : what.substr(colon + 2);
    ReportFileNotUtf8(invalid_utf8_line, problems);
    problems.Add("", LineAt(text, line), msg::JsonSyntax(line, column, detail));
    return std::nullopt;
  } catch (const json::out_of_range& e) {
    // ScanJsonText refuses such numbers first, with their position.
    problems.Add("", "", msg::NumberUnreadable(e.what()));
    return std::nullopt;
  } catch (const json::exception& e) {
    problems.Add("", "", msg::JsonUnreadable(e.what()));
    return std::nullopt;
  }
  for (const auto& dup : duplicates) {
    problems.Add(Shown(dup.key), "", msg::DuplicateKey(Shown(dup.key)));
  }
  if (!root.is_object()) {
    problems.Add("", ShowValue(root), msg::NotAnObject(root.type()));
    return std::nullopt;
  }
  return root;
}

}  // namespace

fs::path ItemFileName(const fs::path& path) {
  fs::path p = path;
  if (p.filename().empty()) p = p.parent_path();
  return p.filename();
}

std::pair<size_t, size_t> LineColumn(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = (line_start == std::string_view::npos || offset == 0) ? 0 : line_start + 1;
  return {line, offset - line_start + 1};
}

void ReportUnplacedInvalidUtf8(const LoadedItem& loaded, ProblemList& problems) {
  if (problems.Has(ProblemCode::kFieldNotUtf8) || problems.Has(ProblemCode::kFileNotUtf8)) return;
  ReportFileNotUtf8(loaded.invalid_utf8_line, problems);
}

LoadedItem LoadItem(const fs::path& path, size_t max_json_bytes, ProblemList& problems) {
  LoadedItem loaded;
  const std::string name = ItemFileName(path).string();
  CheckName(name, problems);
  FileProbe item = ProbeFile(path);
  if (item.kind == FileKind::kSymlink) {
    problems.Add("", "", msg::ItemIsSymlink());
    return loaded;
  }
  fs::path json_path;
  if (item.kind == FileKind::kDirectory) {
    std::error_code ec;
    fs::path folder = fs::absolute(path, ec).lexically_normal();
    if (folder.filename().empty()) folder = folder.parent_path();
    if (std::string error = FolderReadError(folder); !error.empty()) {
      std::string shown = ShowName(folder.filename().string(), kValueChars);
      problems.Add("", "", msg::FolderUnreadable(shown, error));
      return loaded;
    }
    json_path = folder / "post.json";
    FileProbe post = ProbeFile(json_path);
    if (post.kind == FileKind::kSymlink) {
      problems.Add("", "post.json", msg::PostJsonSymlink());
      return loaded;
    }
    if (post.kind == FileKind::kMissing) {
      problems.Add("", "", msg::NoPostJson());
      return loaded;
    }
    loaded.folder = folder;
    loaded.default_id = name;
  } else if (item.kind == FileKind::kMissing) {
    std::string shown = ShowName(path.string());
    problems.Add("", "", msg::NoSuchItem(shown));
    return loaded;
  } else if (item.kind == FileKind::kUnreadable) {
    std::string shown = ShowName(name, kValueChars);
    problems.Add("", "", msg::CannotReadItem(shown, item.error));
    return loaded;
  } else if (!HasJsonExtension(ItemFileName(path))) {
    problems.Add("", "", msg::NotJsonItem());
    return loaded;
  } else {
    json_path = path;
    loaded.default_id = ItemFileName(path).stem().string();
  }
  auto text = ReadJsonFile(json_path, max_json_bytes, problems);
  if (!text) return loaded;
  loaded.root = ParseJson(*text, loaded.invalid_utf8_line, problems);
  return loaded;
}

}  // namespace loa
