// The benchmark's scenarios, each one run of the real daemon measured from
// outside, and the table they fill: every figure beside its target.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace loa::bench {

struct BenchOptions {
  std::filesystem::path binary;  // the `loa` to measure
  std::filesystem::path root;    // a fresh folder on the disk under test
  bool small = false;            // CI's scaled-down counts, one round
  int rounds = 3;                // medians of this many
  // Posts in the large store; 0: the size's own (200,000 full).
  int64_t history_posts = 0;
  // Scenarios to run (spread, burst, slow, wide, drop, history, commits);
  // empty: all. A row is printed when every scenario it reads from ran.
  std::vector<std::string> only;
};

// A scenario's figures by name; several rounds give a median per name.
using Figures = std::map<std::string, double>;

struct Row {
  std::string figure;
  std::string measured;
  std::string target;
};

// Runs every scenario and returns the table's rows; `notes` gets what the
// reader needs to judge them (the concurrency used, counts that fell short).
std::vector<Row> RunAll(const BenchOptions& options, std::vector<std::string>& notes);

}  // namespace loa::bench
