#include "inbox/utf8.h"

#include <utf8proc.h>

#include <cstdlib>

#include "base/encode.h"
#include "base/utf8.h"

namespace loa {

namespace {

// Length of the well-formed sequence at s[pos], or 0 when it is ill-formed.
size_t SequenceAt(std::string_view s, size_t pos) {
  char32_t cp;
  return DecodeUtf8At(s, pos, cp);
}

// The code point at s[pos] and its length; length 0 when ill-formed.
std::pair<char32_t, size_t> CodePointAt(std::string_view s, size_t pos) {
  char32_t cp = 0;
  size_t n = DecodeUtf8At(s, pos, cp);
  return {n == 0 ? 0 : cp, n};
}

}  // namespace

bool IsRefusedCodePoint(char32_t cp) {
  return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

std::optional<RefusedChar> FindRefusedChar(std::string_view s, std::string_view allowed) {
  size_t pos = 0;
  size_t chars = 0;
  while (pos < s.size()) {
    auto [cp, n] = CodePointAt(s, pos);
    ++chars;
    if (n == 0) {
      ++pos;
      continue;
    }
    pos += n;
    if (!IsRefusedCodePoint(cp)) continue;
    if (cp < 0x80 && allowed.find(static_cast<char>(cp)) != std::string_view::npos) continue;
    return RefusedChar{cp, chars};
  }
  return std::nullopt;
}

std::string DescribeCodePoint(char32_t cp) {
  static const char* const kC0[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
                                    "BS",  "TAB", "LF",  "VT",  "FF",  "CR",  "SO",  "SI",
                                    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                                    "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
  std::string out = "U+" + HexDigits(static_cast<uint32_t>(cp), 4, /*upper_case=*/true);
  const char* name = nullptr;
  if (cp < 0x20) {
    name = kC0[cp];
  } else if (cp == 0x7F) {
    name = "DEL";
  } else if (cp == 0x85) {
    name = "NEXT LINE";
  } else if (cp == 0x2028) {
    name = "LINE SEPARATOR";
  } else if (cp == 0x2029) {
    name = "PARAGRAPH SEPARATOR";
  } else if (cp == 0x202A) {
    name = "LEFT-TO-RIGHT EMBEDDING";
  } else if (cp == 0x202B) {
    name = "RIGHT-TO-LEFT EMBEDDING";
  } else if (cp == 0x202C) {
    name = "POP DIRECTIONAL FORMATTING";
  } else if (cp == 0x202D) {
    name = "LEFT-TO-RIGHT OVERRIDE";
  } else if (cp == 0x202E) {
    name = "RIGHT-TO-LEFT OVERRIDE";
  } else if (cp == 0x2066) {
    name = "LEFT-TO-RIGHT ISOLATE";
  } else if (cp == 0x2067) {
    name = "RIGHT-TO-LEFT ISOLATE";
  } else if (cp == 0x2068) {
    name = "FIRST STRONG ISOLATE";
  } else if (cp == 0x2069) {
    name = "POP DIRECTIONAL ISOLATE";
  }
  if (name) out += std::string(" (") + name + ")";
  return out;
}

std::string EscapeForDisplay(std::string_view s) {
  static constexpr EscapeRules kDisplayRules{IsRefusedCodePoint, /*c_style_ascii=*/false,
                                             /*quote=*/false, /*upper_case_hex=*/true};
  std::string out;
  out.reserve(s.size());
  AppendEscaped(out, s, kDisplayRules);
  return out;
}

size_t FirstInvalidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t n = SequenceAt(s, pos);
    if (n == 0) return pos;
    pos += n;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

Result<std::string> NormalizeNfc(std::string_view s) {
  if (s.empty()) return std::string();
  utf8proc_uint8_t* out = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                        static_cast<utf8proc_ssize_t>(s.size()), &out,
                        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    std::free(out);
    return Error{std::string("not valid UTF-8: ") + utf8proc_errmsg(n)};
  }
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

std::string RepairUtf8(std::string_view s, size_t* replaced) {
  std::string out;
  out.reserve(s.size());
  size_t count = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t n = SequenceAt(s, pos);
    if (n == 0) {
      out += kReplacementChar;
      ++count;
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
  }
  if (replaced) *replaced = count;
  return out;
}

std::string ShortenUtf8(std::string_view s, size_t max_chars) {
  std::string out;
  size_t pos = 0;
  size_t chars = 0;
  while (pos < s.size()) {
    if (chars == max_chars) return out + "…";
    size_t n = SequenceAt(s, pos);
    if (n == 0) {
      out += kReplacementChar;
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
    ++chars;
  }
  return out;
}

}  // namespace loa
