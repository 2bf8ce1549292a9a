// Scheduling rules as pure functions of time, so tests need no waiting.
#pragma once

#include <optional>

#include "base/clock.h"
#include "base/time.h"
#include "config/config.h"
#include "queue/delivery.h"

namespace loa {

// The earliest time `delivery` may be sent on `channel`: its effective due
// time, at least min_interval after the channel's last attempt, and on a
// channel with a daily window the first moment inside it from then or from
// `now`, whichever is later: an overdue item found while the window is
// closed waits for its opening, it does not go out at night because its
// own due day's opening has passed. A delivery holding a resume token is
// continuing a call the channel already took (Outcome::Pending): the window
// says when to publish, and that has happened, so only the spacing applies.
TimePoint EarliestSendTime(const Delivery& delivery, const ChannelConfig& channel,
                           std::optional<TimePoint> last_attempt_start, TimePoint now,
                           TimeZone zone);

// A first try that would start more than max_lateness after due_at is
// "missed": the delivery fails instead of going out late.
bool IsMissed(const Delivery& delivery, TimePoint now, Millis max_lateness);

}  // namespace loa
