// Hashes and encodings the connectors need (OpenSSL underneath).
#pragma once

#include <string>
#include <string_view>

namespace loa {

std::string Sha256Hex(std::string_view data);
// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// Standard alphabet, padded, no line breaks.
std::string Base64Encode(std::string_view data);
// Constant-time comparison, for signatures.
bool SecureEquals(std::string_view a, std::string_view b);

}  // namespace loa
