// HTTP Basic credentials (RFC 7617), for the control server's browser
// pages beyond loopback: a browser cannot send a bearer token, so it sends
// the control token as the password of a Basic login (any user name).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loa {

// The password of an "Authorization: Basic <base64(user:password)>" value;
// nullopt when the value is not one (another scheme, broken base64, no
// colon). The caller wipes it after use: it is a secret.
std::optional<std::string> BasicAuthPassword(std::string_view authorization);

// Whether the value names the Basic scheme ("Basic ...", any case), right
// or wrong: what a refusal may say without decoding the secret.
bool IsBasicScheme(std::string_view authorization);
// The same for "Bearer ..." (RFC 6750), any case.
bool IsBearerScheme(std::string_view authorization);

}  // namespace loa
