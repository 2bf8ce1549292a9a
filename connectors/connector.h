// The connector contract. A connector translates one item into a platform's
// requests and maps the answer to an Outcome. It never sleeps, retries,
// schedules or touches the store: the engine owns all of that.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "inbox/item.h"

namespace loa {

// What one publish call is about.
struct PublishRequest {
  const Item* item = nullptr;
  std::string channel;
  TimePoint due_at{};               // this channel's due time (after overrides)
  std::filesystem::path media_dir;  // holds item->media by name
  int attempt = 1;                  // 1 for the first try
  std::string IdempotencyKey() const { return item->id + ":" + channel; }
};

// The error taxonomy every connector maps platform answers to.
enum class ErrorClass { kNone, kTransient, kRateLimited, kAuth, kPermanent, kUncertain };
const char* ErrorClassName(ErrorClass c);

struct Outcome {
  enum class Kind { kPublished, kRetry, kFailed, kUncertain };
  Kind kind = Kind::kFailed;
  ErrorClass error_class = ErrorClass::kNone;
  std::string remote_id;
  std::string url;
  std::optional<Millis> retry_after;  // from the platform (Retry-After), if it said
  int http_status = 0;                // 0 when no HTTP answer came
  std::string message;                // English, never holds a secret

  static Outcome Published(std::string remote_id, std::string url, int http_status = 0);
  static Outcome Retry(ErrorClass c, std::string message, int http_status = 0,
                       std::optional<Millis> retry_after = std::nullopt);
  static Outcome Failed(ErrorClass c, std::string message, int http_status = 0);
  static Outcome Uncertain(std::string message, int http_status = 0);
};
const char* OutcomeKindName(Outcome::Kind k);

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
  // connector whose Publish looks up before it creates (WordPress) sets it
  // to when a create still in flight from before the restart can no longer
  // land, so the next Publish sees it. The engine waits; a connector never
  // sleeps.
  std::optional<TimePoint> not_before;
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Blocking; called from the channel's own worker thread, one call at a time.
  virtual Outcome Publish(const PublishRequest& request) = 0;
  virtual Reconciliation Reconcile(const PublishRequest& request) = 0;
  // Takes a published item down (DESIGN.md "retract"). `remote_id` is what
  // Publish returned. Published means it is gone (or already was).
  virtual Outcome Retract(const PublishRequest& request, const std::string& remote_id);
};

// Builds the connector for a configured channel (reads its secrets).
Result<std::unique_ptr<Connector>> MakeConnector(const ChannelConfig& channel,
                                                 const Config& config);

}  // namespace loa
