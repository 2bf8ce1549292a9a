#include "connectors/http/http_client.h"

#include <ctime>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace loa {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<TimePoint> ParseHttpDate(std::string_view value) {
  // IMF-fixdate first, then the two obsolete forms RFC 9110 still asks
  // recipients to accept. HTTP dates are always GMT.
  static const char* const kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // Sun, 06 Nov 1994 08:49:37 GMT
      "%A, %d-%b-%y %H:%M:%S GMT",  // Sunday, 06-Nov-94 08:49:37 GMT
      "%a %b %e %H:%M:%S %Y",       // Sun Nov  6 08:49:37 1994
  };
  std::string text(value);
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), format, &tm);
    if (end == nullptr || *end != '\0') continue;
    time_t t = ::timegm(&tm);
    if (t == static_cast<time_t>(-1)) continue;
    return TimePoint(std::chrono::seconds(t));
  }
  return std::nullopt;
}

}  // namespace

std::string Url::Origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  size_t colon = text.find("://");
  if (colon == std::string_view::npos) {
    return Error{"not an absolute URL (expected http:// or https://)"};
  }
  url.scheme = Lower(text.substr(0, colon));
  if (url.scheme != "http" && url.scheme != "https") {
    return Error{"unsupported URL scheme '" + url.scheme + "' (expected http or https)"};
  }
  std::string_view rest = text.substr(colon + 3);
  size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    // Never echo the URL: the user info is a credential.
    return Error{"URL must not carry user credentials (use the *_file secret instead)"};
  }
  if (target.find('#') != std::string_view::npos) {
    return Error{"URL must not have a fragment"};
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Error{"URL must not contain spaces or control characters"};
    }
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error{"unterminated IPv6 address in URL"};
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{"unexpected text after IPv6 address in URL"};
      port_text = after.substr(1);
    }
  } else {
    size_t port_colon = authority.rfind(':');
    if (port_colon != std::string_view::npos) {
      port_text = authority.substr(port_colon + 1);
      authority = authority.substr(0, port_colon);
    }
    url.host = Lower(authority);
  }
  if (url.host.empty()) return Error{"URL has no host"};

  url.port = url.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return Error{"invalid port '" + std::string(port_text) + "' in URL"};
    }
    url.port = port;
  }
  url.target = std::string(target);
  return url;
}

Status CheckTransportAllowed(const Url& url, const HttpSettings& http) {
  if (url.scheme == "https" || IsLoopbackHost(url.host) || http.allow_insecure_http) {
    return Ok{};
  }
  return Error{"plain http:// to " + url.host +
               " is refused: use https://, or set \"allow_insecure_http\": true on the channel"};
}

std::unique_ptr<httplib::Client> MakeHttpClient(const Url& url, const HttpSettings& http) {
  auto client = std::make_unique<httplib::Client>(url.Origin());
  auto seconds = std::chrono::duration_cast<std::chrono::microseconds>(http.timeout);
  time_t sec = static_cast<time_t>(seconds.count() / 1'000'000);
  time_t usec = static_cast<time_t>(seconds.count() % 1'000'000);
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
  client->set_follow_location(false);
  client->set_keep_alive(false);
  client->enable_server_certificate_verification(true);
  // Without a ca_file OpenSSL's default verify paths are the system store
  // (/etc/ssl/certs on Debian).
  if (http.ca_file) client->set_ca_cert_path(http.ca_file->string());
  return client;
}

std::optional<Millis> ParseRetryAfter(std::string_view value, TimePoint now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t seconds = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // A value too large to hold is clamped to a year rather than refused:
    // the platform clearly means "much later".
    constexpr int64_t kYear = 365LL * 24 * 3600;
    if (ec == std::errc::result_out_of_range || seconds > kYear)
      seconds = kYear;
    else if (ec != std::errc() || p != value.data() + value.size())
      return std::nullopt;
    return std::chrono::duration_cast<Millis>(std::chrono::seconds(seconds));
  }
  auto date = ParseHttpDate(value);
  if (!date) return std::nullopt;
  if (*date <= now) return Millis(0);
  return *date - now;
}

std::optional<Millis> RetryAfterOf(const httplib::Response& response, TimePoint now) {
  if (!response.has_header("Retry-After")) return std::nullopt;
  return ParseRetryAfter(response.get_header_value("Retry-After"), now);
}

Outcome TransportFailure(httplib::Error error, std::string_view what, RequestKind kind) {
  std::string detail = std::string(what) + ": " + httplib::to_string(error);
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
    case httplib::Error::SSLConnection:
      return Outcome::Retry(ErrorClass::kTransient,
                            detail + " (could not connect; nothing was sent)");
    case httplib::Error::SSLServerVerification:
      // Usually an expired or replaced certificate the site's admin will
      // fix; nothing was sent, so trying again later is safe.
      return Outcome::Retry(
          ErrorClass::kTransient,
          detail + " (the server's TLS certificate did not verify; nothing was sent)");
    case httplib::Error::SSLLoadingCerts:
      return Outcome::Failed(ErrorClass::kPermanent,
                             detail + " (cannot load the CA certificates: check ca_file)");
    case httplib::Error::Write:
      // The request never reached the server whole, so it cannot have
      // been acted on.
      return Outcome::Retry(ErrorClass::kTransient,
                            detail + " (connection lost while sending the request)");
    case httplib::Error::Read:
    case httplib::Error::Unknown:
    case httplib::Error::Canceled:
    case httplib::Error::Compression:
    case httplib::Error::ExceedRedirectCount:
    case httplib::Error::UnsupportedMultipartBoundaryChars:
    case httplib::Error::Success:
      break;
  }
  if (kind == RequestKind::kCreate) {
    return Outcome::Uncertain(detail +
                              " (the request was sent but its answer was lost; it may have been "
                              "carried out)");
  }
  return Outcome::Retry(ErrorClass::kTransient, detail + " (no answer to the request)");
}

std::string DescribeRequest(std::string_view method, const Url& server, std::string_view path) {
  std::string_view no_query = path.substr(0, path.find('?'));
  return std::string(method) + " " + server.Origin() + std::string(no_query);
}

std::string Excerpt(std::string_view body, size_t max) {
  std::string out;
  for (char c : body.substr(0, max)) {
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  if (body.size() > max) {
    // Do not cut a UTF-8 sequence in half: drop an incomplete last one.
    size_t lead = out.size();
    while (lead > 0 && (static_cast<unsigned char>(out[lead - 1]) & 0xC0) == 0x80) --lead;
    if (lead > 0) {
      auto c = static_cast<unsigned char>(out[lead - 1]);
      size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (out.size() - (lead - 1) < want) out.resize(lead - 1);
    }
    out += "...";
  }
  return out;
}

}  // namespace loa
