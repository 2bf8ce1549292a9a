// Backoff between tries: exponential with full jitter, capped.
#pragma once

#include <optional>
#include <random>

#include "base/clock.h"
#include "config/config.h"

namespace loa {

// Delay before try number `tries_done + 1`: uniform in [0, min(max_delay,
// initial * factor^(tries_done-1))]; a longer platform Retry-After wins, even
// over max_delay.
Millis BackoffDelay(const RetryPolicy& policy, int tries_done, std::optional<Millis> retry_after,
                    std::mt19937_64& rng);

}  // namespace loa
