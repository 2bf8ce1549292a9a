// UTF-8 checks for untrusted inbox text (utf8proc underneath): validation,
// NFC normalization, and repair so a broken file can still be read far
// enough to say which field is broken.
#pragma once

#include <cstddef>
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

// U+FFFD, which RepairUtf8 puts where ill-formed bytes were.
inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";

}  // namespace loa
