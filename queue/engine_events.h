// What the engine tells the rest of the daemon as it works, for metrics and
// alerts (daemon/). A sink is called on the io thread, after the fact is
// committed to the store; it must not block (an alert is queued, not sent).
#pragma once

#include <functional>
#include <string>

#include "queue/delivery.h"

namespace loa {

struct EngineEvent {
  enum class Kind {
    kAttempt,         // an attempt row was committed: `delivery` (as before it), `record`
    kChannelPaused,   // `channel` paused for auth: `message` says why
    kChannelResumed,  // `channel` accepted a call again
    kUncertainFinal,  // `delivery`: the last look found nothing certain; the operator decides
  };
  Kind kind = Kind::kAttempt;
  std::string channel;
  Delivery delivery;
  AttemptRecord record;
  std::string message;
};

using EngineEventSink = std::function<void(const EngineEvent&)>;

}  // namespace loa
