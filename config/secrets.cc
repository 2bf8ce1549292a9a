#include "config/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <openssl/crypto.h>

#include "base/fs.h"
#include "config/channel_schema.h"
#include "config/config.h"

namespace loa {

namespace {

// Passwords and HMAC keys are short; anything bigger is the wrong file.
constexpr size_t kMaxSecretBytes = 64 * 1024;

// Closes the descriptor and wipes the raw bytes (untrimmed copy) on every
// path out of ReadSecret.
class SecretBuffer {
 public:
  explicit SecretBuffer(int fd) : fd_(fd) {}
  ~SecretBuffer() {
    if (fd_ >= 0) ::close(fd_);
    if (!data_.empty()) OPENSSL_cleanse(data_.data(), data_.size());
  }
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;

  int fd() const { return fd_; }
  std::string& data() { return data_; }

 private:
  int fd_;
  std::string data_;
};

std::string SecretError(const std::filesystem::path& path, const std::string& what) {
  return "secret file " + path.string() + ": " + what;
}

}  // namespace

Result<std::string> ReadSecret(const std::string& name, const std::filesystem::path& config_dir) {
  if (name.empty()) return Error{"secret file name is empty"};
  std::filesystem::path path(name);
  std::string hint;
  if (path.is_relative()) {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (credentials != nullptr && *credentials != '\0') {
      path = std::filesystem::path(credentials) / path;
      hint =
          " (looked in $CREDENTIALS_DIRECTORY: is there a LoadCredential=" + name + ":... line?)";
    } else {
      path = config_dir / path;
      hint = " (looked beside the config, as $CREDENTIALS_DIRECTORY is not set)";
    }
  }

  // O_NONBLOCK so that a FIFO put there by mistake cannot hang the start.
  SecretBuffer buffer(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (buffer.fd() < 0) {
    int err = errno;
    if (err == ENOENT) return Error{SecretError(path, "does not exist" + hint)};
    return Error{SecretError(path, std::string("cannot open: ") + std::strerror(err))};
  }
  struct stat st {};
  if (::fstat(buffer.fd(), &st) != 0) {
    return Error{SecretError(path, std::string("cannot stat: ") + std::strerror(errno))};
  }
  if (!S_ISREG(st.st_mode)) return Error{SecretError(path, "is not a regular file")};
  // A secret other local users can read is no longer a secret, and one they
  // can write lets them swap in their own: refuse it rather than use it.
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error{SecretError(path, std::string("is ") +
                                       ((st.st_mode & S_IROTH) ? "readable" : "writable") +
                                       " by other users (mode " + mode +
                                       "); make it private with: chmod 600 " + path.string())};
  }
  if (static_cast<size_t>(st.st_size) > kMaxSecretBytes) {
    return Error{SecretError(path, "is larger than 64 KiB; is it the right file?")};
  }

  std::string& data = buffer.data();
  data.resize(kMaxSecretBytes + 1);  // one byte more shows a file that grew
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(buffer.fd(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{SecretError(path, std::string("cannot read: ") + std::strerror(errno))};
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxSecretBytes) {
    return Error{SecretError(path, "is larger than 64 KiB; is it the right file?")};
  }
  std::string secret = Trim(std::string_view(data.data(), got));
  if (secret.empty()) return Error{SecretError(path, "is empty")};
  return secret;
}

Status CheckSecrets(const Config& config, const ChannelSchemas& schemas) {
  std::string problems;
  for (const auto& [name, channel] : config.channels) {
    for (const SecretFile& secret_file : SecretFilesOf(channel, schemas)) {
      auto secret = ReadSecret(secret_file.file, config.config_dir);
      if (secret.ok()) {
        OPENSSL_cleanse(secret->data(), secret->size());
        continue;
      }
      problems += (problems.empty() ? "" : "\n") + std::string("channels.") + name + "." +
                  secret_file.key + ": " + secret.error();
    }
  }
  if (!problems.empty()) return Error{problems};
  return Ok{};
}

}  // namespace loa
