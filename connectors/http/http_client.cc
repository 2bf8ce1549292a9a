#include "connectors/http/http_client.h"

#include <ctime>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace loa {

namespace {

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

Status CheckTransportAllowed(const Url& url, const HttpSettings& http) {
  return CheckTransportAllowed(url, http.allow_insecure_http);
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

bool NothingWasSent(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
    case httplib::Error::BindIPAddress:
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::Write:
      return true;
    default:
      return false;
  }
}

Outcome TransportFailure(httplib::Error error, std::string_view what, RequestKind kind) {
  std::string detail = std::string(what) + ": " + httplib::to_string(error);
  if (NothingWasSent(error)) {
    switch (error) {
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
        return Outcome::Retry(ErrorClass::kTransient,
                              detail + " (connection lost while sending the request)");
      default:
        return Outcome::Retry(ErrorClass::kTransient,
                              detail + " (could not connect; nothing was sent)");
    }
  }
  // Read, Canceled, Unknown...: the request may have reached the server.
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
