// Small text helpers shared by config, inbox validation and messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace loa {

// ASCII-only lower case; other bytes (UTF-8) are left as they are.
std::string AsciiLower(std::string_view s);

// The items with `separator` between each two: {"a", "b"} -> "a, b".
std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ");

// Levenshtein distance in bytes, for "did you mean ...?" hints.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace loa
