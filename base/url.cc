#include "base/url.h"

#include <algorithm>

#include "base/net.h"
#include "base/text.h"

namespace loa {

namespace {

constexpr char kNeedHttps[] =
    "must be an https:// URL (plain http:// only to loopback or with allow_insecure_http)";

// ParseUrl's rules in the order config validation has always reported
// them; `site_root` adds the site-root rule at its place.
Result<Url> Parse(std::string_view text, bool site_root) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Error{"must not contain spaces or control characters"};
    }
  }
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Error{kNeedHttps};
  Url url;
  url.scheme = AsciiLower(text.substr(0, sep));
  if (url.scheme != "https" && url.scheme != "http") return Error{kNeedHttps};
  std::string_view rest = text.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Error{"must not contain user:password@ (secrets belong in a *_file key)"};
  }
  if (site_root && target.find_first_of("?#") != std::string_view::npos) {
    return Error{"must be the site root, without ?query or #fragment"};
  }
  if (target.find('#') != std::string_view::npos) return Error{"must not contain a #fragment"};

  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"has an unterminated [IPv6] host"};
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{"has unexpected text after the [IPv6] host"};
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return Error{"has an empty port after ':'"};
  }
  if (host.empty()) return Error{"has no host"};
  url.host = AsciiLower(host);
  url.port = url.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
    int value = 0;
    for (char c : digits ? port : std::string_view()) value = value * 10 + (c - '0');
    if (value < 1 || value > 65535) return Error{"has a port outside 1-65535"};
    url.port = value;
  }
  url.target = std::string(target);
  return url;
}

}  // namespace

std::string_view Url::Path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Url::Query() const {
  size_t q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

std::string Url::Origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

Result<Url> ParseUrl(std::string_view text) { return Parse(text, /*site_root=*/false); }

bool IsWebLink(std::string_view url) {
  return url.starts_with("https://") || url.starts_with("http://");
}

bool TransportAllowed(const Url& url, bool allow_insecure_http) {
  return url.scheme == "https" || allow_insecure_http || IsLoopbackHost(url.host);
}

Status CheckTransportAllowed(const Url& url, bool allow_insecure_http) {
  if (TransportAllowed(url, allow_insecure_http)) return Ok{};
  return Error{"plain http:// to " + url.host +
               " is refused: use https://, or set \"allow_insecure_http\": true on the channel"};
}

std::string UrlProblem(std::string_view url, bool allow_insecure_http, bool site_root) {
  auto parsed = Parse(url, site_root);
  if (!parsed.ok()) return parsed.error();
  if (!TransportAllowed(*parsed, allow_insecure_http)) return kNeedHttps;
  return "";
}

Result<Url> ParseBaseUrl(std::string_view key, std::string_view text, bool allow_insecure_http) {
  const std::string prefix = std::string(key) + ": ";
  auto url = ParseUrl(text);
  if (!url.ok()) return Error{prefix + url.error()};
  if (url->target.find('?') != std::string::npos) {
    return Error{prefix + "must be a base URL, without ?query"};
  }
  if (auto allowed = CheckTransportAllowed(*url, allow_insecure_http); !allowed.ok()) {
    return Error{prefix + allowed.error()};
  }
  while (!url->target.empty() && url->target.back() == '/') url->target.pop_back();
  return url;
}

}  // namespace loa
