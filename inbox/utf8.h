// UTF-8 checks for untrusted inbox text (utf8proc underneath): validation,
// NFC normalization, and repair so a broken file can still be read far
// enough to say which field is broken.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace loa {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Byte offset of the first ill-formed sequence, or npos when there is none.
size_t FirstInvalidUtf8(std::string_view s);

// Canonical composition (NFC): "e" + U+0301 becomes "é". Fails on
// ill-formed input.
Result<std::string> NormalizeNfc(std::string_view s);

// Replaces each ill-formed byte with U+FFFD; returns how many were replaced.
std::string RepairUtf8(std::string_view s, size_t* replaced);

// At most `max_chars` code points of `s`, with "…" when cut; never splits a
// code point. Ill-formed bytes are shown as U+FFFD.
std::string ShortenUtf8(std::string_view s, size_t max_chars);

// Characters loa never publishes, because they are invisible yet change what
// a reader, a terminal or a log sees: the C0 controls U+0000–U+001F, DEL
// U+007F, the C1 controls U+0080–U+009F, the bidirectional embedding,
// override and isolate controls U+202A–U+202E and U+2066–U+2069 (which can
// make text read backwards), and the line and paragraph separators
// U+2028/U+2029.
bool IsRefusedCodePoint(char32_t cp);

struct RefusedChar {
  char32_t code_point = 0;
  size_t position = 0;  // 1-based, in characters (code points)
};

// The first refused character of `s` that is not one of the ASCII controls
// in `allowed` (such as "\n\t" for a body). Ill-formed bytes are skipped.
std::optional<RefusedChar> FindRefusedChar(std::string_view s, std::string_view allowed = "");

// "U+001B (ESC)", "U+202E (RIGHT-TO-LEFT OVERRIDE)", "U+0091".
std::string DescribeCodePoint(char32_t cp);

// `s` safe to show on one line: refused characters as \uXXXX, ill-formed
// bytes as \xHH, everything else as it is.
std::string EscapeForDisplay(std::string_view s);

// U+FFFD, which RepairUtf8 puts where ill-formed bytes were.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace loa
