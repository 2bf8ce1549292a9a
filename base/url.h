// The one reader of the http(s) URLs loa is configured with (a WordPress
// site, a webhook, the Graph and Zalo API roots): config validation and the
// HTTP connectors apply the same rules through it. Its messages never quote
// the URL: user info or a query may carry a credential.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace loa {

struct Url {
  std::string scheme;  // "http" | "https", lower case
  std::string host;    // lower case, without IPv6 brackets
  int port = 0;        // as written, or the scheme's default (443, 80)
  std::string target;  // path and query as written ("/hook?x=1"); "" when absent

  std::string_view Path() const;   // target before any '?'
  std::string_view Query() const;  // target after the '?', "" when none

  // "https://host:port": names the server in messages without the path or
  // query, which may carry a token.
  std::string Origin() const;
};

// An absolute http:// or https:// URL with a host, an optional port in
// 1-65535, no white space or control characters, no user info and no
// fragment. The error reads after a key path: "base_url: has no host".
Result<Url> ParseUrl(std::string_view text);

// Whether a published post's address is one a page may link to: http(s)
// only. Anything else (a file channel's file:// path, a platform's odd
// answer) is shown as text, never as a link.
bool IsWebLink(std::string_view url);

// Plain http:// goes only to a loopback host (base/net.h), or anywhere with
// the channel's explicit allow_insecure_http.
bool TransportAllowed(const Url& url, bool allow_insecure_http);
// The same as a Status whose message names the host and the way out.
Status CheckTransportAllowed(const Url& url, bool allow_insecure_http);

// What is wrong with a connector URL as the config gives it, "" when it is
// acceptable: ParseUrl's rules, the transport rule, and with `site_root` no
// ?query or #fragment (checked before the fragment rule, for its clearer
// message).
std::string UrlProblem(std::string_view url, bool allow_insecure_http, bool site_root);

// A base URL the connectors append API paths to: ParseUrl, no ?query, the
// transport rule, and the trailing slashes of the path stripped
// ("https://site/wp/" -> target "/wp"). Errors start with `key`.
Result<Url> ParseBaseUrl(std::string_view key, std::string_view text, bool allow_insecure_http);

}  // namespace loa
