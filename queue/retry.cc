#include "queue/retry.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loa {

Millis BackoffDelay(const RetryPolicy& policy, int tries_done, std::optional<Millis> retry_after,
                    std::mt19937_64& rng) {
  const int exponent = std::max(tries_done, 1) - 1;
  // In floating point: factor^exponent overflows int64 long before
  // max_attempts stops growing it, and the cap brings it back down anyway.
  const double grown = static_cast<double>(policy.initial.count()) *
                       std::pow(std::max(policy.factor, 1.0), exponent);
  const double cap_ms = std::min(grown, static_cast<double>(policy.max_delay.count()));
  const int64_t cap = std::max<int64_t>(0, static_cast<int64_t>(cap_ms));
  // Full jitter: clients that failed together spread out over the whole
  // interval instead of coming back in a herd.
  std::uniform_int_distribution<int64_t> jitter(0, cap);
  Millis delay(jitter(rng));
  // The platform knows its own limits better than our cap does.
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

}  // namespace loa
