// Parsing JSON text that people write (the config, inbox items) with two
// checks nlohmann does not make: a key written twice in one object (nlohmann
// keeps the last one silently, hiding a mistake) and nesting deeper than the
// caller's bound (deep nesting costs stack and memory for nothing).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace loa {

// A key that appears more than once in one object.
struct DuplicateKey {
  std::string key;   // as written
  std::string path;  // dotted path to it, "[]" for an array level: "channels.portal.type"
};

// Thrown by ParseJsonText when an object or array opens `max_depth` levels
// deep (the outermost value is level 0).
struct JsonTooDeep {};

// nlohmann::json::parse with comments allowed, recording every repeated key
// in `duplicates` (in the order met). Throws what json::parse throws
// (json::parse_error, json::out_of_range, ...) and JsonTooDeep; the parse
// stops at once on either.
nlohmann::json ParseJsonText(std::string_view text, size_t max_depth,
                             std::vector<DuplicateKey>* duplicates);

}  // namespace loa
