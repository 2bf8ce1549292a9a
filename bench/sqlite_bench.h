// The benchmark's direct uses of SQLite: the disk's physical limit (durable
// commits per second) and a large store made quickly by cloning the rows a
// real daemon wrote.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace loa::bench {

// One small INSERT per transaction, WAL, synchronous=FULL, in a new file
// in `dir`: commits per second. 0 on error.
double DurableCommitsPerSecond(const std::filesystem::path& dir, int commits);

struct SeedResult {
  std::string error;  // empty on success
  int64_t posts = 0;
  int64_t attempts = 0;
  double seconds = 0;
};

// Adds clones of every post of the store at `db` (with its revisions,
// deliveries and attempts) in one transaction, until it holds about
// `posts` posts. The store must
// hold a real daemon's rows: every column is copied as the daemon wrote
// it, only the keys are renamed, so the clones pass for real history
// whatever columns the schema has.
SeedResult CloneHistory(const std::filesystem::path& db, int64_t posts);

}  // namespace loa::bench
