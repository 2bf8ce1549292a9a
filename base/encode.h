// Byte encodings shared by hashing, logging, URLs and file links: hex and
// RFC 3986 percent-encoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loa {

// Two lower-case hex digits per byte ("00ff10"): digests and signatures.
std::string HexEncode(std::string_view bytes);

// `value` as exactly `digits` hex digits (the high ones dropped), for
// escapes such as "\x1b", "\u200e" or "U+200E".
std::string HexDigits(uint32_t value, int digits, bool upper_case = false);

// Percent-encodes every byte but RFC 3986's unreserved characters
// (A-Z a-z 0-9 - . _ ~) and those in `keep` (such as "/" for a path),
// with upper-case hex ("a b" -> "a%20b").
std::string PercentEncode(std::string_view text, std::string_view keep = {});

}  // namespace loa
