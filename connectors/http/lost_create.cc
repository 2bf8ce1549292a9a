#include "connectors/http/lost_create.h"

#include <algorithm>

#include "base/time.h"

namespace loa {

namespace {
std::string Seconds(Millis d) { return FormatDuration(std::chrono::ceil<std::chrono::seconds>(d)); }
}  // namespace

Outcome LostCreateWait::AfterLostAnswer(int attempt, const std::string& detail, int http_status,
                                        std::optional<Millis> retry_after) const {
  if (IsLastAttempt(attempt)) {
    return Outcome::Uncertain(detail + "; " + thing + " may be " + place +
                                  ", and with no attempt left no later lookup will tell",
                              http_status);
  }
  const Millis wait = retry_after ? std::max(*retry_after, landing) : landing;
  return Outcome::Retry(ErrorClass::kTransient,
                        detail + "; " + thing + " may still land, so it is looked up again in " +
                            Seconds(wait) + " before anything is created",
                        http_status, wait);
}

Reconciliation LostCreateWait::NotFoundYet(int attempt, TimePoint now,
                                           const std::string& why) const {
  Reconciliation r;
  if (IsLastAttempt(attempt)) {
    r.kind = Reconciliation::Kind::kUnknown;
    r.message = why +
                "; a create sent before the restart may still land, and no attempt is left to "
                "look again";
    return r;
  }
  r.kind = Reconciliation::Kind::kAbsent;
  r.not_before = now + landing;
  r.message = why + "; looked up again in " + Seconds(landing) +
              ", once a create sent before the restart can no longer land";
  return r;
}

}  // namespace loa
