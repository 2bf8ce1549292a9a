#include "queue/retry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace loa {
namespace {

using namespace std::chrono;

RetryPolicy Policy() {
  RetryPolicy p;
  p.initial = seconds(30);
  p.factor = 2.0;
  p.max_delay = hours(1);
  p.max_attempts = 10;
  return p;
}

// Samples many delays and returns the smallest and largest.
std::pair<Millis, Millis> Range(const RetryPolicy& p, int tries_done, std::mt19937_64& rng,
                                int samples = 20000) {
  Millis lo = Millis::max(), hi = Millis::min();
  for (int i = 0; i < samples; ++i) {
    Millis d = BackoffDelay(p, tries_done, std::nullopt, rng);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  return {lo, hi};
}

TEST(BackoffTest, FirstRetryIsFullJitterUpToInitial) {
  std::mt19937_64 rng(42);
  auto [lo, hi] = Range(Policy(), 1, rng);
  EXPECT_GE(lo, Millis(0));
  EXPECT_LE(hi, seconds(30));
  // Full jitter spreads over the whole interval, not just near its top.
  EXPECT_LT(lo, seconds(1));
  EXPECT_GT(hi, seconds(29));
}

TEST(BackoffTest, UpperBoundGrowsByFactor) {
  std::mt19937_64 rng(7);
  auto p = Policy();
  Millis expected_cap = seconds(30);
  for (int tries = 1; tries <= 5; ++tries) {
    auto [lo, hi] = Range(p, tries, rng);
    EXPECT_GE(lo, Millis(0)) << tries;
    EXPECT_LE(hi, expected_cap) << tries;
    EXPECT_GT(hi, expected_cap * 95 / 100) << tries;
    expected_cap *= 2;
  }
}

TEST(BackoffTest, FactorOtherThanTwo) {
  std::mt19937_64 rng(3);
  auto p = Policy();
  p.initial = seconds(10);
  p.factor = 3.0;
  auto [lo, hi] = Range(p, 3, rng);  // cap 10 s * 3^2 = 90 s
  EXPECT_GE(lo, Millis(0));
  EXPECT_LE(hi, seconds(90));
  EXPECT_GT(hi, seconds(85));
}

TEST(BackoffTest, CappedAtMaxDelay) {
  std::mt19937_64 rng(11);
  auto p = Policy();
  // 30 s * 2^9 = 4h16m would be far above the 1 h cap.
  auto [lo, hi] = Range(p, 10, rng);
  EXPECT_LE(hi, hours(1));
  EXPECT_GT(hi, minutes(57));
  EXPECT_GE(lo, Millis(0));
  // Absurd try counts neither overflow nor escape the cap.
  auto [lo2, hi2] = Range(p, 5000, rng, 2000);
  EXPECT_GE(lo2, Millis(0));
  EXPECT_LE(hi2, hours(1));
}

TEST(BackoffTest, SamplesAreSpreadNotConstant) {
  std::mt19937_64 rng(5);
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(BackoffDelay(Policy(), 2, std::nullopt, rng).count());
  EXPECT_GT(seen.size(), 90u);
}

TEST(BackoffTest, SameSeedSameDelays) {
  std::mt19937_64 a(99), b(99);
  for (int i = 1; i < 20; ++i) {
    EXPECT_EQ(BackoffDelay(Policy(), i, std::nullopt, a),
              BackoffDelay(Policy(), i, std::nullopt, b));
  }
}

TEST(BackoffTest, LongerRetryAfterWinsEvenOverMaxDelay) {
  std::mt19937_64 rng(1);
  auto p = Policy();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(BackoffDelay(p, 1, Millis(seconds(45)), rng), seconds(45));
    EXPECT_EQ(BackoffDelay(p, 10, Millis(hours(2)), rng), hours(2));
  }
}

TEST(BackoffTest, ShorterRetryAfterIsAFloorNotTheDelay) {
  std::mt19937_64 rng(2);
  auto p = Policy();
  Millis hi = Millis::min();
  for (int i = 0; i < 20000; ++i) {
    Millis d = BackoffDelay(p, 4, Millis(seconds(5)), rng);  // cap 240 s
    EXPECT_GE(d, seconds(5));
    EXPECT_LE(d, seconds(240));
    hi = std::max(hi, d);
  }
  EXPECT_GT(hi, seconds(230));
}

TEST(BackoffTest, ZeroInitialMeansRetryAtOnce) {
  std::mt19937_64 rng(4);
  auto p = Policy();
  p.initial = Millis(0);
  for (int i = 1; i < 10; ++i) EXPECT_EQ(BackoffDelay(p, i, std::nullopt, rng), Millis(0));
}

}  // namespace
}  // namespace loa
