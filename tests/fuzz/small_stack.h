// Each fuzz target runs its inputs on a main-thread stack capped at 256 KiB
// (the daemon has 8 MiB). Parsing and rendering need a few KiB whatever the
// input, because every nesting is bounded; unbounded recursion on hostile
// nesting then overflows at a depth of a few hundred, which a short run
// reaches, instead of tens of thousands, which it never does. The cap is set
// by the target itself, so running a saved crash file reproduces it.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

namespace loa {

inline constexpr rlim_t kFuzzStackBytes = 256 << 10;

// Linux grows the main thread's stack on demand up to RLIMIT_STACK, checked
// at each fault, so lowering the limit now caps all later growth.
inline void CapStackForFuzzing() {
  rlimit limit{};
  if (getrlimit(RLIMIT_STACK, &limit) != 0) return;
  limit.rlim_cur = std::min(limit.rlim_cur, kFuzzStackBytes);
  if (setrlimit(RLIMIT_STACK, &limit) != 0) std::perror("setrlimit(RLIMIT_STACK)");
}

}  // namespace loa
