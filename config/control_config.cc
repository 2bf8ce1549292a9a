#include "config/control_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>

#include "base/net.h"

namespace loa {

std::string ListenAddress::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> ParseListenAddress(std::string_view text, bool allow_any_port) {
  const std::string expected =
      "expected HOST:PORT with an IP address, like \"127.0.0.1:8470\" or \"[::1]:8470\"";
  if (text.size() > 64) return Error{expected, Error::Code::kInvalid};
  ListenAddress out;
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{expected, Error::Code::kInvalid};
    }
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    in6_addr addr{};
    if (::inet_pton(AF_INET6, out.host.c_str(), &addr) != 1) {
      return Error{"not an IPv6 address: [" + out.host + "]; " + expected, Error::Code::kInvalid};
    }
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Error{expected, Error::Code::kInvalid};
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    in_addr addr{};
    if (::inet_pton(AF_INET, out.host.c_str(), &addr) != 1) {
      return Error{
          "not an IPv4 address: \"" + out.host + "\" (an IPv6 one goes in brackets); " + expected,
          Error::Code::kInvalid};
    }
  }
  int value = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 0 ||
      value > 65535 || (value == 0 && !allow_any_port)) {
    return Error{"the port must be a number from 1 to 65535; " + expected, Error::Code::kInvalid};
  }
  out.port = value;
  out.loopback = IsLoopbackHost(out.host);
  return out;
}

}  // namespace loa
