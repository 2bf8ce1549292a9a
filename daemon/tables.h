// Text for an operator's terminal (the `loa status`, `queue`, `show` views,
// daemon/operator_views.h): aligned columns, times in the configured zone,
// and everything that came from outside — titles, platform errors, URLs —
// escaped so that it cannot move the cursor, recolour or rewrite the screen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace loa {

// `text` with every code point inbox/utf8.h's IsRefusedCodePoint names (C0
// and C1 controls with ESC and CSI, DEL, bidirectional controls, line and
// paragraph separators) and every ill-formed byte written as a visible
// escape (\x1b, \u202e); Vietnamese and other text kept as it is.
std::string TerminalText(std::string_view text);

// Columns `text` takes: one per code point, none for a combining mark
// (U+0300-U+036F), so that decomposed Vietnamese lines up as well.
size_t DisplayWidth(std::string_view text);

// `text` cut to at most `max_width` columns, ending in "…" when cut; never
// splits a code point or takes a mark from its letter.
std::string TruncateToWidth(std::string_view text, size_t max_width);

// An API time (RFC 3339) as "2026-12-03 08:00" in `zone`; "-" for null or
// absent; anything else the server sent, escaped, as it is.
std::string ShowTime(const nlohmann::json* value, TimeZone zone);

// `value` as indented JSON for a terminal: the same JSON value, with the
// code points JSON does not escape itself but a terminal acts on (DEL, C1,
// bidirectional controls, U+2028/U+2029) written as \uXXXX.
std::string JsonForTerminal(const nlohmann::json& value);

// Rows under a header line, each column as wide as its widest cell, two
// spaces apart, no trailing spaces.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);
  // Cells of `column` longer than `width` are cut with "…".
  void SetMaxWidth(size_t column, size_t width);
  // Cells are text from outside: escaped (TerminalText) before they are cut
  // and aligned. Missing cells are empty; extra cells are dropped.
  void AddRow(const std::vector<std::string>& cells);
  size_t size() const { return rows_.size(); }
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<size_t> max_width_;  // 0: no limit
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace loa
