// Hashes and encodings the connectors need (OpenSSL underneath).
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace loa {

std::string Sha256Hex(std::string_view data);

// SHA-256 of data given in pieces, for files read in bounded chunks: the
// same digest as Sha256Hex of the pieces joined.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // Lower-case hex; ends the stream (call once).
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};
// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// Standard alphabet, padded, no line breaks.
std::string Base64Encode(std::string_view data);
// Constant-time comparison, for signatures.
bool SecureEquals(std::string_view a, std::string_view b);

}  // namespace loa
