#include "contract/outcome.h"

#include <utility>

#include "base/name_table.h"

namespace loa {

namespace {

constexpr NameTable<ErrorClass, 6> kErrorClassNames = {{
    {ErrorClass::kNone, ""},
    {ErrorClass::kTransient, "transient"},
    {ErrorClass::kRateLimited, "rate_limited"},
    {ErrorClass::kAuth, "auth"},
    {ErrorClass::kPermanent, "permanent"},
    {ErrorClass::kUncertain, "uncertain"},
}};

constexpr NameTable<Outcome::Kind, 6> kOutcomeKindNames = {{
    {Outcome::Kind::kPublished, "published"},
    {Outcome::Kind::kRetracted, "retracted"},
    {Outcome::Kind::kRetry, "retry"},
    {Outcome::Kind::kPending, "pending"},
    {Outcome::Kind::kFailed, "failed"},
    {Outcome::Kind::kUncertain, "uncertain"},
}};

}  // namespace

const char* ErrorClassName(ErrorClass c) { return NameIn(kErrorClassNames, c); }
std::optional<ErrorClass> ParseErrorClass(std::string_view name) {
  return ValueIn(kErrorClassNames, name);
}

const char* OutcomeKindName(Outcome::Kind k) { return NameIn(kOutcomeKindNames, k); }
std::optional<Outcome::Kind> ParseOutcomeKind(std::string_view name) {
  return ValueIn(kOutcomeKindNames, name);
}

Outcome Outcome::Published(std::string remote_id, std::string url, int http_status) {
  Outcome o;
  o.kind = Kind::kPublished;
  o.remote_id = std::move(remote_id);
  o.url = std::move(url);
  o.http_status = http_status;
  return o;
}

Outcome Outcome::Retracted(std::string remote_id, int http_status) {
  Outcome o;
  o.kind = Kind::kRetracted;
  o.remote_id = std::move(remote_id);
  o.http_status = http_status;
  return o;
}

Outcome Outcome::Retry(ErrorClass c, std::string message, int http_status,
                       std::optional<Millis> retry_after) {
  Outcome o;
  o.kind = Kind::kRetry;
  o.error_class = c;
  o.message = std::move(message);
  o.http_status = http_status;
  o.retry_after = retry_after;
  return o;
}

Outcome Outcome::Pending(Millis come_back_after, std::string resume_token, std::string message,
                         int http_status) {
  Outcome o;
  o.kind = Kind::kPending;
  o.retry_after = come_back_after;
  o.resume_token = std::move(resume_token);
  o.message = std::move(message);
  o.http_status = http_status;
  return o;
}

Outcome Outcome::Failed(ErrorClass c, std::string message, int http_status) {
  Outcome o;
  o.kind = Kind::kFailed;
  o.error_class = c;
  o.message = std::move(message);
  o.http_status = http_status;
  return o;
}

Outcome Outcome::Uncertain(std::string message, int http_status) {
  Outcome o;
  o.kind = Kind::kUncertain;
  o.error_class = ErrorClass::kUncertain;
  o.message = std::move(message);
  o.http_status = http_status;
  return o;
}

}  // namespace loa
