// Facebook Graph API error answers: the envelope, what each code means for
// loa (docs/platforms.md), and the throttling delay Graph reports in its usage
// headers. Pure functions, so every documented code is pinned by a test.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "connectors/http/http_client.h"

namespace loa {

// {"error":{"message","type","code","error_subcode","is_transient","fbtrace_id"}}
struct GraphError {
  int code = 0;
  int subcode = 0;
  bool is_transient = false;
  std::string type;
  std::string message;
  std::string fbtrace_id;
};

// The error object of an answer body, or nullopt when the body is not a
// Graph error envelope (a proxy's HTML page, an empty body...).
std::optional<GraphError> ParseGraphError(std::string_view body);

// What loa does with a Graph error. Graph reports most failures with HTTP
// 400 or 500 whatever they mean, so this looks at error.code and only falls
// back on the HTTP status for codes it does not know.
enum class GraphErrorKind {
  kUncertain,    // 1, 2: the call failed, yet the post may exist
  kRateLimited,  // 4, 17, 32, 341, 613, 80000-80014: throttled
  kAuth,         // 190, 102: a person must supply a new page token
  kPermanent,    // 3, 10, 100, 200-299, 1609005, or unknown with HTTP < 500
  kReconcile,    // 368, 506: probably posted already; look before anything else
  kTransient,    // is_transient, or unknown with HTTP >= 500
};
GraphErrorKind ClassifyGraphError(const GraphError& error, int http_status);
const char* GraphErrorKindName(GraphErrorKind kind);

// The largest estimated_time_to_regain_access (minutes) found anywhere in
// one usage header's JSON value (X-App-Usage, X-Page-Usage or
// X-Business-Use-Case-Usage), or nullopt when it holds none above zero.
std::optional<Millis> RegainAccessDelay(std::string_view usage_header);

// What a non-2xx Graph answer means, with Graph's code, type, message and
// fbtrace_id; pure, tested without a server. `usage_headers` are the
// answer's X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage values
// (the longest regain-access time is the retry_after); `what` names the
// request; `kind` says whether repeating it could post twice; `scrub`
// blanks credentials out of text quoted from the answer.
Outcome ClassifyGraphAnswer(int status, std::string_view body,
                            const std::vector<std::string>& usage_headers, const std::string& what,
                            RequestKind kind, const std::function<std::string(std::string)>& scrub);

}  // namespace loa
