#include "connectors/zalo/zalo_errors.h"

#include <chrono>

#include "base/json_field.h"

namespace loa {

namespace {

ZaloErrorClass Make(ErrorClass c, std::string explanation,
                    std::optional<Millis> retry_after = std::nullopt) {
  ZaloErrorClass z;
  z.error_class = c;
  z.retry_after = retry_after;
  z.explanation = std::move(explanation);
  return z;
}

}  // namespace

long long ZaloErrorCode(const nlohmann::json& answer) {
  const nlohmann::json& error = Field(answer, "error");
  if (error.is_null()) return 0;
  return IntegerValue(error).value_or(-1);  // an error of unknown form is still an error
}

ZaloErrorClass ClassifyZaloError(long long error) {
  switch (error) {
    case -32:
      // 4,000 requests a minute per OA: the next minute is a fresh budget.
      return Make(ErrorClass::kRateLimited, "rate limit of the Official Account reached",
                  std::chrono::seconds(60));
    case -216:
    case -220:
    case -124: {
      ZaloErrorClass z = Make(ErrorClass::kAuth, "the access token is invalid or has expired");
      z.token_refused = true;
      return z;
    }
    case -201:
      return Make(ErrorClass::kPermanent,
                  "Zalo refused a field of the request as invalid (its message names the field)");
    case -204:
    case -205:
    case -209:
    case -212:
    case -223:
      return Make(ErrorClass::kPermanent,
                  "configuration problem: the Official Account is disabled or missing, or the "
                  "app is not allowed to use this API; an OA admin must check the OA and the "
                  "app's API permissions on Zalo (and app_id in loa's configuration)");
    case -211:
      // The quota period is not announced; an hour is a cautious guess that
      // keeps loa from spending the next period's quota on retries.
      return Make(ErrorClass::kRateLimited, "the Official Account's API quota is used up",
                  std::chrono::hours(1));
    case -242:
      return Make(ErrorClass::kPermanent,
                  "Zalo refused the appsecret_proof: check the app's secret key (secret_key_file)");
    default:
      return Make(ErrorClass::kPermanent, "Zalo refused the request");
  }
}

ZaloErrorClass ClassifyZaloHttpStatus(int status) {
  if (status >= 500 || status == 408) {
    return Make(ErrorClass::kTransient, "Zalo's server failed to answer");
  }
  if (status == 429) {
    return Make(ErrorClass::kRateLimited, "Zalo is throttling requests", std::chrono::seconds(60));
  }
  return Make(ErrorClass::kPermanent, "unexpected HTTP status from Zalo");
}

}  // namespace loa
