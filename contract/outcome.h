// What a connector says about one call: the typed vocabulary the engine,
// the store and the delivery log share. Each name has a text form (stored
// in the database and written to deliveries.jsonl); Parse* reads it back.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace loa {

// Why a call did not succeed (docs/design.md "Connector contract").
enum class ErrorClass { kNone, kTransient, kRateLimited, kAuth, kPermanent, kUncertain };
const char* ErrorClassName(ErrorClass c);  // "" for kNone
std::optional<ErrorClass> ParseErrorClass(std::string_view name);

struct Outcome {
  enum class Kind {
    kPublished,  // the post is on the channel: remote_id and url say where
    kRetracted,  // a takedown succeeded (or the post was already gone)
    kRetry,      // not done; try again after the engine's backoff (or retry_after)
    kPending,    // accepted, not finished: call again after retry_after with resume_token
    kFailed,     // not done and trying again cannot help
    kUncertain,  // it may or may not be on the channel: the operator decides
  };
  Kind kind = Kind::kFailed;
  ErrorClass error_class = ErrorClass::kNone;
  std::string remote_id;
  std::string url;
  // kRetry: the platform's Retry-After, if it said; kPending: when to come back.
  std::optional<Millis> retry_after;
  // kPending: what the next call must carry (PublishRequest::resume_token).
  // Kept in the store, never logged: a connector puts no secret in it.
  std::string resume_token;
  int http_status = 0;  // 0 when no HTTP answer came
  std::string message;  // English, never holds a secret

  static Outcome Published(std::string remote_id, std::string url, int http_status = 0);
  static Outcome Retracted(std::string remote_id, int http_status = 0);
  static Outcome Retry(ErrorClass c, std::string message, int http_status = 0,
                       std::optional<Millis> retry_after = std::nullopt);
  static Outcome Pending(Millis come_back_after, std::string resume_token, std::string message,
                         int http_status = 0);
  static Outcome Failed(ErrorClass c, std::string message, int http_status = 0);
  static Outcome Uncertain(std::string message, int http_status = 0);
};
const char* OutcomeKindName(Outcome::Kind k);
std::optional<Outcome::Kind> ParseOutcomeKind(std::string_view name);

}  // namespace loa
