// Small text helpers shared by config and inbox validation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loa {

// ASCII-only lower case; other bytes (UTF-8) are left as they are.
std::string AsciiLower(std::string_view s);

// Levenshtein distance in bytes, for "did you mean ...?" hints.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace loa
