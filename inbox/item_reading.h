// Reading an inbox item's JSON: the item's name and kind (NAME.json or a
// folder NAME/ with post.json), the bounded read of the text, a flat
// pre-scan that refuses what would make the JSON library recurse too deep
// or throw, and the parse itself. Every refusal is a problem in `problems`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "inbox/item_problems.h"

namespace loa {

namespace fs = std::filesystem;

// The format nests three levels at most (overrides.<channel>.title,
// media[i].file); anything much deeper is hostile, and refusing it before
// the JSON library builds it keeps every later step (including printing a
// value into a report) far from the stack's limits.
inline constexpr size_t kMaxJsonDepth = 32;

struct LoadedItem {
  std::optional<nlohmann::json> root;  // set when the text is a JSON object
  fs::path folder;                     // absolute; empty for a single-file item
  std::string default_id;              // the id when the item gives none: its own name
  // When the text held bytes that are not UTF-8 (read as U+FFFD): the line
  // of the first. The fields that hold one report it; the caller reports it
  // for the whole file when none did (FileNotUtf8).
  std::optional<size_t> invalid_utf8_line;
};

// `path` is NAME.json or a folder NAME/ holding post.json.
LoadedItem LoadItem(const fs::path& path, size_t max_json_bytes, ProblemList& problems);

// After the fields were read: the problem that the file is not UTF-8,
// unless a field holding one of its bad bytes has reported it already.
void ReportUnplacedInvalidUtf8(const LoadedItem& loaded, ProblemList& problems);

// The item's own name: "x" for x.json and for a folder x/ (trailing slash or not).
fs::path ItemFileName(const fs::path& path);

// Line and column (1-based) of byte `offset` in `text`.
std::pair<size_t, size_t> LineColumn(std::string_view text, size_t offset);

}  // namespace loa
