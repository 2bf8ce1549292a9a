// The connector contract (docs/design.md "Connector contract"). A connector
// translates one item into a platform's requests and classifies the answer
// as an Outcome. It never sleeps, retries, schedules or touches the store:
// the engine owns all of that. A call that must be continued later answers
// Outcome::Pending and the engine calls again with the resume token.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/clock.h"
#include "contract/outcome.h"
#include "inbox/item.h"

namespace loa {

// What one call is about.
struct PublishRequest {
  const Item* item = nullptr;
  std::string channel;
  TimePoint due_at{};               // this channel's due time (after overrides)
  std::filesystem::path media_dir;  // holds item->media by name
  int attempt = 1;                  // 1 for the first try
  // Set when the previous call answered Outcome::Pending: continue that
  // call instead of starting again.
  std::string resume_token;
  std::string IdempotencyKey() const { return item->id + ":" + channel; }
};

// After a crash a delivery may be found in `sending`: did it go out?
struct Reconciliation {
  enum class Kind {
    kPublished,  // it is there: `published` holds remote id and url
    kAbsent,     // it is certainly not there (or resending is idempotent): send it
    kUnknown,    // cannot tell: hold for the operator as `uncertain`
  };
  Kind kind = Kind::kUnknown;
  Outcome published;
  std::string message;
  // With kAbsent: "not there yet; send again no earlier than this". A
  // connector whose Publish looks up before it creates sets it to when a
  // create still in flight from before the restart can no longer land, so
  // the next Publish sees it. The engine waits; a connector never sleeps.
  std::optional<TimePoint> not_before;
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Blocking; called from the channel's worker threads, up to the channel's
  // `concurrency` calls at once (each about a different delivery): members
  // are read-only during calls, or guarded (connectors/zalo/zalo_token.h).
  virtual Outcome Publish(const PublishRequest& request) = 0;
  virtual Reconciliation Reconcile(const PublishRequest& request) = 0;
  // Takes a published item down. `remote_id` is what Publish returned.
  // Outcome::Retracted means it is gone (or already was).
  virtual Outcome Retract(const PublishRequest& request, const std::string& remote_id);
};

}  // namespace loa
