#include "connectors/facebook/graph_errors.h"
#include "base/json_field.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace loa {

namespace {

using nlohmann::json;

int IntField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max()
               ? static_cast<int>(v)
               : 0;
  }
  // Graph has sent numbers as strings in some answers; read those too.
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 9 &&
        std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoi(s);
    }
  }
  return 0;
}

// The largest estimated_time_to_regain_access anywhere below `value`:
// X-Business-Use-Case-Usage nests it per business id and per use case.
std::optional<double> LargestRegain(const json& value, int depth) {
  if (depth > 8) return std::nullopt;
  std::optional<double> best;
  auto consider = [&](std::optional<double> v) {
    if (v && (!best || *v > *best)) best = v;
  };
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (key == "estimated_time_to_regain_access" && member.is_number()) {
        consider(member.get<double>());
      } else {
        consider(LargestRegain(member, depth + 1));
      }
    }
  } else if (value.is_array()) {
    for (const json& member : value) consider(LargestRegain(member, depth + 1));
  }
  return best;
}

}  // namespace

std::optional<GraphError> ParseGraphError(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  auto it = parsed.find("error");
  if (it == parsed.end() || !it->is_object()) return std::nullopt;
  const json& e = *it;
  GraphError error;
  error.code = IntField(e, "code");
  if (error.code == 0) return std::nullopt;
  error.subcode = IntField(e, "error_subcode");
  auto transient = e.find("is_transient");
  error.is_transient = transient != e.end() && transient->is_boolean() && transient->get<bool>();
  error.type = StringField(e, "type");
  error.message = StringField(e, "message");
  error.fbtrace_id = StringField(e, "fbtrace_id");
  return error;
}

GraphErrorKind ClassifyGraphError(const GraphError& error, int http_status) {
  const int code = error.code;
  switch (code) {
    case 1:  // API Unknown
    case 2:  // API Service (temporary)
      return GraphErrorKind::kUncertain;
    case 4:    // application request limit
    case 17:   // user request limit
    case 32:   // page request limit
    case 341:  // application limit
    case 613:  // custom rate limit
      return GraphErrorKind::kRateLimited;
    case 102:  // session key invalid
    case 190:  // access token expired or invalid, whatever the subcode
      return GraphErrorKind::kAuth;
    case 3:    // capability
    case 10:   // permission denied
    case 100:  // invalid parameter (also a missing or wrong appsecret_proof)
    case 1609005:
      return GraphErrorKind::kPermanent;
    case 368:  // "already posted" / temporarily blocked for posting the same
    case 506:  // duplicate status message
      return GraphErrorKind::kReconcile;
    default:
      break;
  }
  if (code >= 80000 && code <= 80014) return GraphErrorKind::kRateLimited;  // business use case
  if (code >= 200 && code <= 299) return GraphErrorKind::kPermanent;        // permissions
  if (error.is_transient) return GraphErrorKind::kTransient;
  return http_status >= 500 ? GraphErrorKind::kTransient : GraphErrorKind::kPermanent;
}

const char* GraphErrorKindName(GraphErrorKind kind) {
  switch (kind) {
    case GraphErrorKind::kUncertain:
      return "uncertain";
    case GraphErrorKind::kRateLimited:
      return "rate_limited";
    case GraphErrorKind::kAuth:
      return "auth";
    case GraphErrorKind::kPermanent:
      return "permanent";
    case GraphErrorKind::kReconcile:
      return "reconcile";
    case GraphErrorKind::kTransient:
      return "transient";
  }
  return "";
}

std::optional<Millis> RegainAccessDelay(std::string_view usage_header) {
  json parsed = json::parse(usage_header, nullptr, /*allow_exceptions=*/false);
  std::optional<double> minutes = LargestRegain(parsed, 0);
  if (!minutes || !std::isfinite(*minutes) || *minutes <= 0) return std::nullopt;
  // A day is longer than any throttle Graph documents; more is a bad value.
  double capped = std::min(*minutes, 24.0 * 60);
  return Millis(static_cast<int64_t>(std::ceil(capped * 60'000)));
}

Outcome ClassifyGraphAnswer(int status, std::string_view body,
                            const std::vector<std::string>& usage_headers, const std::string& what,
                            RequestKind kind,
                            const std::function<std::string(std::string)>& scrub) {
  std::string detail = what + ": HTTP " + std::to_string(status);
  std::optional<GraphError> error = ParseGraphError(body);
  if (!error) {
    if (!body.empty()) detail += ": " + Excerpt(scrub(std::string(body)));
    if (status >= 500) return Outcome::Retry(ErrorClass::kTransient, detail, status);
    return Outcome::Failed(ErrorClass::kPermanent, detail + " (not a Graph API answer)", status);
  }
  detail += " Graph error " + std::to_string(error->code);
  if (error->subcode != 0) detail += "/" + std::to_string(error->subcode);
  if (!error->type.empty()) detail += " (" + error->type + ")";
  if (!error->message.empty()) detail += ": " + Excerpt(scrub(error->message));
  if (!error->fbtrace_id.empty()) detail += " [fbtrace_id " + Excerpt(error->fbtrace_id, 64) + "]";

  switch (ClassifyGraphError(*error, status)) {
    case GraphErrorKind::kUncertain:
      if (kind == RequestKind::kCreate) {
        return Outcome::Uncertain(
            detail +
                " (Graph may have created the post anyway; loa will not send it again "
                "blindly: it looks for it on the Page over the next 2 h; if it stays "
                "uncertain, check the Page's posts and run loa resolve)",
            status);
      }
      return Outcome::Retry(ErrorClass::kTransient, detail, status);
    case GraphErrorKind::kRateLimited: {
      std::optional<Millis> retry_after;
      for (const std::string& header : usage_headers) {
        auto delay = RegainAccessDelay(header);
        if (delay && (!retry_after || *delay > *retry_after)) retry_after = delay;
      }
      return Outcome::Retry(ErrorClass::kRateLimited, detail, status, retry_after);
    }
    case GraphErrorKind::kAuth:
      return Outcome::Failed(ErrorClass::kAuth,
                             detail +
                                 " (Facebook no longer accepts the Page access token: a Page "
                                 "admin must issue a new one, install it as page_token_file and "
                                 "restart loa)",
                             status);
    case GraphErrorKind::kPermanent:
      if (error->code == 100 && error->message.find("appsecret_proof") != std::string::npos) {
        detail +=
            " (check app_secret_file: it must hold the secret of the app that issued the "
            "Page token)";
      } else if (error->code == 1609005) {
        detail += " (Facebook could not fetch the item's link)";
      }
      return Outcome::Failed(ErrorClass::kPermanent, detail, status);
    case GraphErrorKind::kReconcile:
      return Outcome::Failed(ErrorClass::kPermanent,
                             detail + " (Facebook refused it as a duplicate)", status);
    case GraphErrorKind::kTransient:
      return Outcome::Retry(ErrorClass::kTransient, detail, status);
  }
  return Outcome::Failed(ErrorClass::kPermanent, detail, status);
}

}  // namespace loa
