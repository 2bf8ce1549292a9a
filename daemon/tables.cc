#include "daemon/tables.h"

#include <algorithm>

#include "base/utf8.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

constexpr std::string_view kEllipsis = "…";

bool IsCombiningMark(char32_t cp) { return cp >= 0x300 && cp <= 0x36F; }

bool EscapedOnTerminal(char32_t cp) { return IsRefusedCodePoint(cp); }

constexpr EscapeRules kTerminalRules{EscapedOnTerminal, /*c_style_ascii=*/true, /*quote=*/false,
                                     /*upper_case_hex=*/false};

// What a JSON string may hold unescaped yet a terminal acts on. The C0
// controls, " and \ are escaped by nlohmann already.
bool EscapedInJson(char32_t cp) { return cp >= 0x20 && IsRefusedCodePoint(cp); }

constexpr EscapeRules kJsonRules{EscapedInJson, /*c_style_ascii=*/false, /*quote=*/false,
                                 /*upper_case_hex=*/false};

// The code point at s[i] and its length; an ill-formed byte counts as one
// column (it is shown as an escape by then anyway).
size_t Step(std::string_view s, size_t i, char32_t& cp) {
  size_t n = DecodeUtf8At(s, i, cp);
  if (n == 0) {
    cp = 0xFFFD;
    n = 1;
  }
  return n;
}

}  // namespace

std::string TerminalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, kTerminalRules);
  return out;
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    i += Step(text, i, cp);
    if (!IsCombiningMark(cp)) ++width;
  }
  return width;
}

std::string TruncateToWidth(std::string_view text, size_t max_width) {
  if (DisplayWidth(text) <= max_width) return std::string(text);
  if (max_width == 0) return std::string();
  // Room for the ellipsis: the letters kept take max_width - 1 columns, and
  // a mark after the last of them stays with it.
  size_t width = 0;
  size_t end = 0;
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    size_t n = Step(text, i, cp);
    if (!IsCombiningMark(cp)) {
      if (width == max_width - 1) break;
      ++width;
    }
    i += n;
    end = i;
  }
  return std::string(text.substr(0, end)) + std::string(kEllipsis);
}

std::string ShowTime(const nlohmann::json* value, TimeZone zone) {
  if (value == nullptr || value->is_null()) return "-";
  if (!value->is_string()) return TerminalText(value->dump());
  const std::string& text = value->get_ref<const std::string&>();
  auto t = ParseTime(text, zone);
  if (!t.ok()) return TerminalText(text);
  // "2026-12-03T08:00:00+07:00" -> "2026-12-03 08:00"
  std::string local = FormatLocal(*t, zone);
  return local.substr(0, 10) + " " + local.substr(11, 5);
}

std::string JsonForTerminal(const nlohmann::json& value) {
  std::string dumped =
      value.dump(2, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size() + 1);
  AppendEscaped(out, dumped, kJsonRules);
  out += '\n';
  return out;
}

TextTable::TextTable(std::vector<std::string> headers)
    : headers_(std::move(headers)), max_width_(headers_.size(), 0) {}

void TextTable::SetMaxWidth(size_t column, size_t width) {
  if (column < max_width_.size()) max_width_[column] = width;
}

void TextTable::AddRow(const std::vector<std::string>& cells) {
  std::vector<std::string> row(headers_.size());
  for (size_t c = 0; c < row.size() && c < cells.size(); ++c) {
    row[c] = TerminalText(cells[c]);
    if (max_width_[c] > 0) row[c] = TruncateToWidth(row[c], max_width_[c]);
  }
  rows_.push_back(std::move(row));
}

std::string TextTable::Render() const {
  std::vector<size_t> width(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    width[c] = DisplayWidth(headers_[c]);
    for (const auto& row : rows_) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      text += cells[c];
      if (c + 1 < cells.size()) text.append(width[c] - DisplayWidth(cells[c]) + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace loa
