// A create whose answer was lost (a timeout, a dropped connection, a 5xx
// after the request went out) may still land on the platform for a while.
// The wordpress, facebook and zalo connectors look their post up before they
// create, so sending again is safe once that while has passed: these build
// the answers that make the engine wait for it (Outcome::retry_after,
// Reconciliation::not_before). The last attempt has no later lookup, so
// there the honest answer is `uncertain`.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/clock.h"
#include "contract/connector.h"

namespace loa {

// Added to a channel's request timeout, for a create still being handled
// when the client gave up.
inline constexpr Millis kLostCreateMargin = std::chrono::seconds(2);

struct LostCreateWait {
  // How long after it was sent a create may still show on the platform.
  Millis landing{0};
  // The channel's retry.max_attempts (0: unknown, no attempt is the last).
  int max_attempts = 0;
  // For messages: what may be there ("the post") and where ("on the site").
  std::string thing;
  std::string place;

  bool IsLastAttempt(int attempt) const { return max_attempts > 0 && attempt >= max_attempts; }
  // Publish: the create's answer (`detail`) was lost. A retry no sooner than
  // `landing` (or a longer `retry_after` from the platform); on the last
  // attempt, uncertain.
  Outcome AfterLostAnswer(int attempt, const std::string& detail, int http_status,
                          std::optional<Millis> retry_after) const;
  // Reconcile: not found, or the lookup failed (`why` says which). Absent
  // until now + `landing`, when the next Publish looks up first; on the
  // last attempt, unknown.
  Reconciliation NotFoundYet(int attempt, TimePoint now, const std::string& why) const;
};

}  // namespace loa
