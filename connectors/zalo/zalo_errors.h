// What a Zalo OA API error means for loa. Zalo answers HTTP 200 with
// {"error": <negative>, "message": "..."}; only `error` is classified (see
// docs/platforms.md, "Zalo Official Account API").
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "contract/connector.h"

namespace loa {

struct ZaloErrorClass {
  // kRateLimited, kAuth, kPermanent or kTransient.
  ErrorClass error_class = ErrorClass::kPermanent;
  // -216, -220, -124: the access token was refused. The caller refreshes it
  // once (single-flight) and repeats the call once; refused again, kAuth.
  bool token_refused = false;
  // How long to wait before the next try, when Zalo's rules say.
  std::optional<Millis> retry_after;
  // Why, for a person reading the delivery log; never empty.
  std::string explanation;
};

// -201: a field is invalid ("id is invalid" for an article id Zalo does
// not have).
inline constexpr long long kZaloInvalidParam = -201;

// Zalo's "error" of an answer: 0 when absent or null, -1 when unreadable
// (an error of unknown form is still an error).
long long ZaloErrorCode(const nlohmann::json& answer);

// `error` is a non-zero value of the answer's "error" field.
ZaloErrorClass ClassifyZaloError(long long error);

// An answer that is not HTTP 200 (and carries no readable "error").
ZaloErrorClass ClassifyZaloHttpStatus(int status);

}  // namespace loa
