// Enums with a text form (stored in the database, written to logs): one
// table of {value, name} pairs per enum, read both ways.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace loa {

template <class E, size_t N>
using NameTable = std::array<std::pair<E, const char*>, N>;

// The name of `value`, or `fallback` when the table lacks it.
template <class E, size_t N>
const char* NameIn(const NameTable<E, N>& table, E value, const char* fallback = "") {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return fallback;
}

// The value named `name`, nullopt for a name the table lacks.
template <class E, size_t N>
std::optional<E> ValueIn(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [v, text] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace loa
