// Files for tests that run the real `loa` binary from outside: a fresh
// folder to run it in, the config and secret files it reads, and the text
// it writes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace loa::fakes {

// A new empty folder /tmp/loa-<name>-XXXXXX; an empty path if it could not
// be made.
std::filesystem::path MakeTempDir(const std::string& name);

// The whole file; empty if it cannot be read.
std::string ReadText(const std::filesystem::path& path);

// Writes `text` to `path`, making its folders first.
void WriteText(const std::filesystem::path& path, const std::string& text);

// As WriteText, then mode 0600: config/secrets.cc refuses a secret file that
// other users may open.
void WriteSecret(const std::filesystem::path& path, const std::string& text);

// How many times `needle` stands in `haystack` (overlaps counted): lines of
// a log, entries of a report.
size_t Count(const std::string& haystack, const std::string& needle);

}  // namespace loa::fakes
