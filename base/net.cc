#include "base/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include "base/text.h"

namespace loa {

namespace {

bool IsIpv4Loopback(const std::string& host) {
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) return false;
  return (ntohl(addr.s_addr) >> 24) == 127;
}

bool IsIpv6Loopback(const std::string& host) {
  in6_addr addr{};
  if (inet_pton(AF_INET6, host.c_str(), &addr) != 1) return false;
  return std::memcmp(&addr, &in6addr_loopback, sizeof addr) == 0;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = AsciiLower(host);
  if (h.size() > 1 && h.back() == '.') h.pop_back();
  return h == "localhost" || (h.size() > 10 && h.ends_with(".localhost")) || IsIpv4Loopback(h) ||
         IsIpv6Loopback(h);
}

}  // namespace loa
