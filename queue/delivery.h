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
  // Tries started so far, less those that ended in an auth pause: the
  // channel's credentials failed, not this delivery, so such a try is made
  // again under the same number and is not held against max_attempts.
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;  // set while waiting for a retry
  std::string remote_id;
  std::string remote_url;
  std::string last_error;
  std::string error_class;
  TimePoint updated_at{};
  // A takedown asked for by a retract instruction and not yet settled; it is
  // carried out once the delivery is published.
  std::optional<TimePoint> retract_requested_at;
  int retract_attempts = 0;  // takedown tries for that request (auth pauses as above)
  std::optional<TimePoint> retract_next_at;  // set while waiting to try again

  // When the scheduler should next consider this delivery.
  TimePoint EffectiveDue() const { return next_attempt_at.value_or(due_at); }
  bool RetractPending() const { return retract_requested_at.has_value(); }
  // When the pending takedown should next be tried (requires RetractPending()).
  TimePoint RetractDue() const { return retract_next_at.value_or(*retract_requested_at); }
};

// What an attempt row is about: sending the post, or taking it down.
enum class AttemptAction { kPublish, kRetract };
const char* AttemptActionName(AttemptAction a);
std::optional<AttemptAction> ParseAttemptAction(const std::string& name);

// One row per try (and per missed/cancelled decision), written together with
// the delivery's new state in one transaction.
struct AttemptRecord {
  int64_t delivery_id = 0;
  AttemptAction action = AttemptAction::kPublish;
  // 1-based; missed/cancelled reuse the count of tries so far; takedown tries
  // are numbered per retract request; a try ended by an auth pause is made
  // again under the same number.
  int number = 0;
  TimePoint started_at{};
  TimePoint ended_at{};
  // publish: published | retry | failed | uncertain | missed | cancelled
  // retract: retracted | retry | failed (the delivery stays published unless retracted)
  std::string outcome;
  DeliveryState new_state = DeliveryState::kFailed;
  // With new_state == kScheduled (publish), or with a retract "retry": when
  // to try again.
  std::optional<TimePoint> next_attempt_at;
  std::string remote_id;
  std::string remote_url;
  int http_status = 0;
  std::string error_class;  // "" | transient | rate_limited | auth | permanent | uncertain
  std::string error;        // "" when none
  int64_t latency_ms = 0;
};

}  // namespace loa
