// The delivery model: one row per post x channel, moving through the state
// machine of DESIGN.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"

namespace loa {

// scheduled -> sending -> published | scheduled (retry) | failed | uncertain
// scheduled -> cancelled | failed (missed); published -> retracted
enum class DeliveryState {
  kScheduled,
  kSending,
  kPublished,
  kFailed,
  kCancelled,
  kRetracted,
  kUncertain,
};
const char* StateName(DeliveryState s);
std::optional<DeliveryState> ParseState(const std::string& name);

struct Delivery {
  int64_t id = 0;
  std::string post_id;
  std::string channel;
  DeliveryState state = DeliveryState::kScheduled;
  TimePoint due_at{};
  int attempts = 0;  // tries started so far
  std::optional<TimePoint> next_attempt_at;  // set while waiting for a retry
  std::string remote_id;
  std::string remote_url;
  std::string last_error;
  std::string error_class;
  TimePoint updated_at{};

  // When the scheduler should next consider this delivery.
  TimePoint EffectiveDue() const { return next_attempt_at.value_or(due_at); }
};

// One row per try (and per missed/cancelled decision), written together with
// the delivery's new state in one transaction.
struct AttemptRecord {
  int64_t delivery_id = 0;
  int number = 0;  // 1-based; missed/cancelled reuse the count of tries so far
  TimePoint started_at{};
  TimePoint ended_at{};
  std::string outcome;  // published | retry | failed | uncertain | missed | cancelled
  DeliveryState new_state = DeliveryState::kFailed;
  std::optional<TimePoint> next_attempt_at;  // with new_state == kScheduled
  std::string remote_id;
  std::string remote_url;
  int http_status = 0;
  std::string error_class;  // "" | transient | rate_limited | auth | permanent | uncertain
  std::string error;        // "" when none
  int64_t latency_ms = 0;
};

}  // namespace loa
