// HTTP plumbing shared by the HTTP connector types: URL rules, client setup
// (timeouts, TLS verification), Retry-After, and what a transport failure
// means for the request that suffered it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

#include "base/clock.h"
#include "base/net.h"
#include "base/result.h"
#include "base/url.h"
#include "config/config.h"
#include "contract/connector.h"

namespace loa {

// One request as a connector builds it, before anything is sent: request
// building is a pure function of the item and the settings, tested without
// a server.
struct HttpRequest {
  std::string method;  // "POST"
  std::string path;    // target on the server: path and query
  httplib::Headers headers;
  std::string body;
  std::string content_type;  // "application/json"
};

// The channel's allow_insecure_http applied to base/url.h's transport rule.
Status CheckTransportAllowed(const Url& url, const HttpSettings& http);

// A client for `url`'s server: timeouts from `http`, TLS peers verified
// against `ca_file` or the system CA store, no redirects followed.
std::unique_ptr<httplib::Client> MakeHttpClient(const Url& url, const HttpSettings& http);

// Retry-After as delta-seconds or an HTTP-date (relative to `now`); nullopt
// when absent or unreadable. A date in the past means "now" (zero).
std::optional<Millis> ParseRetryAfter(std::string_view value, TimePoint now);
std::optional<Millis> RetryAfterOf(const httplib::Response& response, TimePoint now);

// Whether repeating the request could do something twice.
enum class RequestKind {
  kSafe,    // a lookup, or a create the server deduplicates (Idempotency-Key)
  kCreate,  // a create the server does not deduplicate
};

// Whether a request that failed with `error` never reached the server
// whole (it could not connect, or the write failed), so it cannot have been
// acted on.
bool NothingWasSent(httplib::Error error);

// What a request that got no HTTP answer means. A failure before the
// request was fully written left nothing on the server (transient); one
// after it (answer lost, read timeout) may have done the work, so a create
// becomes uncertain. `what` names the request ("POST https://host/...").
Outcome TransportFailure(httplib::Error error, std::string_view what, RequestKind kind);

// "GET https://host:port/path" without the query string.
std::string DescribeRequest(std::string_view method, const Url& server, std::string_view path);

// The first `max` bytes of an answer body for a message, on one line.
std::string Excerpt(std::string_view body, size_t max = 200);

}  // namespace loa
