// The process's surroundings that tests replace: the clock and the source of
// randomness (retry jitter). Passed down instead of reached through globals,
// so a test drives time with a ManualClock and gets the same jitter on every
// run from a fixed seed.
#pragma once

#include <cstdint>
#include <random>

#include "base/clock.h"

namespace loa {

class Env {
 public:
  virtual ~Env() = default;
  virtual Clock& clock() = 0;
  // The generator behind retry jitter. Used from one thread (the engine's).
  virtual std::mt19937_64& rng() = 0;
};

// The real clock, and a generator seeded from the system's entropy.
class SystemEnv : public Env {
 public:
  SystemEnv();
  Clock& clock() override;
  std::mt19937_64& rng() override { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// A given clock (usually a ManualClock) and a generator with a fixed seed.
class TestEnv : public Env {
 public:
  static constexpr uint64_t kDefaultSeed = 20261201;
  explicit TestEnv(Clock& clock, uint64_t seed = kDefaultSeed) : clock_(clock), rng_(seed) {}
  Clock& clock() override { return clock_; }
  std::mt19937_64& rng() override { return rng_; }

 private:
  Clock& clock_;
  std::mt19937_64 rng_;
};

}  // namespace loa
