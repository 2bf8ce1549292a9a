#include "daemon/basic_auth.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cstdint>

namespace loa {

namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with its padding; nullopt for anything else.
std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  while (padding < 2 && text.size() > padding && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    const int v = Base64Value(text[i]);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  if (count == 3) {
    bits <<= 6;
    out += static_cast<char>((bits >> 16) & 0xFF);
    out += static_cast<char>((bits >> 8) & 0xFF);
  } else if (count == 2) {
    bits <<= 12;
    out += static_cast<char>((bits >> 16) & 0xFF);
  }
  return out;
}

}  // namespace

namespace {

bool HasScheme(std::string_view authorization, std::string_view lower_scheme_and_space) {
  // The scheme is case-insensitive (RFC 7235 2.1).
  const std::string_view& scheme = lower_scheme_and_space;
  if (authorization.size() < scheme.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return false;
  }
  return true;
}

}  // namespace

bool IsBasicScheme(std::string_view authorization) { return HasScheme(authorization, "basic "); }

bool IsBearerScheme(std::string_view authorization) { return HasScheme(authorization, "bearer "); }

std::optional<std::string> BasicAuthPassword(std::string_view authorization) {
  constexpr std::string_view kScheme = "basic ";
  if (authorization.size() <= kScheme.size() || !IsBasicScheme(authorization)) return std::nullopt;
  std::string_view encoded = authorization.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  std::optional<std::string> decoded = DecodeBase64(encoded);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  std::optional<std::string> password;
  if (colon != std::string::npos) password = decoded->substr(colon + 1);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return password;
}

}  // namespace loa
