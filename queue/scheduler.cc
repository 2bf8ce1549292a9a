#include "queue/scheduler.h"

#include <algorithm>

namespace loa {

TimePoint EarliestSendTime(const Delivery& delivery, const ChannelConfig& channel,
                           std::optional<TimePoint> last_attempt_start, TimePoint now,
                           TimeZone zone) {
  const auto spaced = [&](TimePoint t) {
    return last_attempt_start ? std::max(t, *last_attempt_start + channel.min_interval) : t;
  };
  TimePoint t = spaced(delivery.EffectiveDue());
  if (channel.window && delivery.resume_token.empty()) {
    t = NextInWindow(std::max(t, now), *channel.window, zone);
    // NextInWindow only moves forward, so the spacing still holds; checking
    // again keeps this true should the window rule ever change.
    t = spaced(t);
  }
  return t;
}

bool IsMissed(const Delivery& delivery, TimePoint now, Millis max_lateness) {
  // Only a first try can be missed: a delivery already tried is a retry, and
  // its lateness comes from the platform, not from loa being down.
  // One holding a resume token was accepted by the channel: it is being
  // finished, however late.
  return delivery.attempts == 0 && delivery.resume_token.empty() &&
         delivery.due_at + max_lateness < now;
}

}  // namespace loa
