// File-system helpers with the durability loa promises: atomic writes and
// moves that never overwrite.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace loa {

namespace fs = std::filesystem;

// Reads a whole regular file, refusing anything larger than max_bytes.
Result<std::string> ReadFile(const fs::path& path, size_t max_bytes = 64 << 20);

// Writes to a temporary file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the folder: readers see the old or the new file, never
// a half-written one.
Status WriteFileAtomic(const fs::path& path, std::string_view data);

// Moves `from` into folder `to_dir` under `name` (default: its own name);
// when that name is taken, a suffix "-YYYYMMDDTHHMMSS[-N]" (UTC) is added
// before the extension. Never overwrites. Returns the final path.
Result<fs::path> MoveIntoFolder(const fs::path& from, const fs::path& to_dir,
                                const fs::path& name = {});

// Creates the folder and its parents; an error names the path.
Status EnsureDir(const fs::path& dir);

// True when `path`, resolved lexically against `base`, stays inside `base`.
bool StaysInside(const fs::path& base, const fs::path& relative);

// Trims ASCII white space at both ends (secret files end with a newline).
std::string Trim(std::string_view s);

}  // namespace loa
