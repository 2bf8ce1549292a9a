#include "daemon/control_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <system_error>

#include "base/encode.h"
#include "base/fs.h"
#include "config/secrets.h"

namespace loa {

namespace {

constexpr int kTokenBytes = 32;

Result<std::string> MakeToken(const fs::path& path) {
  unsigned char raw[kTokenBytes];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    return Error{"cannot make the control token " + path.string() +
                 ": the random number generator failed"};
  }
  std::string token = HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
  OPENSSL_cleanse(raw, sizeof raw);
  // The state folder is loa's alone (one daemon holds loa.lock), so the
  // atomic write cannot race another writer; 0600: the token is a password.
  if (Status st = WriteFileAtomic(path, token, 0600); !st.ok()) {
    OPENSSL_cleanse(token.data(), token.size());
    return Error{"cannot write the control token " + path.string() + ": " + st.error()};
  }
  return token;
}

}  // namespace

Result<std::string> LoadControlToken(const Config& config, bool create) {
  if (!config.control.token_file.empty()) {
    auto token = ReadSecret(config.control.token_file, config.config_dir);
    if (!token.ok()) return Error{"control.token_file: " + token.error()};
    return token;
  }
  const fs::path path = config.ControlTokenPath();
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec)) && create) return MakeToken(path);
  auto token = ReadSecret(path.string(), config.config_dir);
  if (!token.ok()) return Error{"control token: " + token.error()};
  return token;
}

Status CheckControl(const Config& config) {
  if (!config.control.enabled()) return Ok{};
  if (config.control.token_file.empty()) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(config.ControlTokenPath(), ec))) return Ok{};
  }
  auto token = LoadControlToken(config, /*create=*/false);
  if (!token.ok()) return Error{token.error()};
  OPENSSL_cleanse(token->data(), token->size());
  return Ok{};
}

}  // namespace loa
