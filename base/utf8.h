// The one UTF-8 decoder and escaper: log lines (base/log.h) and text shown
// back to editors (inbox/utf8.h) escape with it, each with its own rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loa {

// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII)
// with its code point in `cp`, or 0 when s[i] does not start one (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF, no truncated
// sequence). `i` must be below s.size().
size_t DecodeUtf8At(std::string_view s, size_t i, char32_t& cp);

// What an escaper writes as an escape, and how.
struct EscapeRules {
  // The well-formed code points written as escapes; every other one is
  // copied as it is. Ill-formed bytes are always escaped, as \xHH.
  bool (*escapes)(char32_t cp) = nullptr;
  // C style for ASCII: \n \r \t, the other ASCII code points as \xHH; without
  // it every escaped code point is \uHHHH.
  bool c_style_ascii = false;
  // " and \ preceded by a backslash (a value inside double quotes).
  bool quote = false;
  bool upper_case_hex = false;
};

// Appends `s` to `out` escaped by `rules`: escaped code points above ASCII
// as \uHHHH (\uHHHHHH above U+FFFF), ill-formed bytes one at a time as \xHH.
void AppendEscaped(std::string& out, std::string_view s, const EscapeRules& rules);

}  // namespace loa
