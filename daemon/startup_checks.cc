#include "daemon/startup_checks.h"

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <openssl/crypto.h>

#include "base/clock.h"
#include "config/channel_schema.h"
#include "config/secrets.h"
#include "connectors/registry.h"
#include "daemon/control_token.h"
#include "daemon/daemon.h"

namespace loa {

namespace {

namespace fs = std::filesystem;

// The check builds every connector the way the daemon does but must not
// open the database for it (a check creates nothing): the types that keep
// OAuth pairs get this empty vault, which only a running connector uses.
class EmptyVault : public TokenVault {
 public:
  Result<std::optional<TokenPair>> Load(const std::string&) override {
    return std::optional<TokenPair>();
  }
  Status Save(const std::string&, const TokenPair&) override {
    return Error{"the start-up check keeps no tokens"};
  }
};

std::string Who(const std::optional<ServiceUser>& user) {
  return user ? "user " + user->name : std::string("this user");
}

void Add(std::string& problems, const std::string& line) {
  problems += (problems.empty() ? "" : "\n") + line;
}

// `dir` there and writable, or its nearest existing parent writable (so
// that the daemon can create it).
Status CheckFolder(const fs::path& dir, const std::optional<ServiceUser>& user) {
  std::error_code ec;
  fs::path existing = dir;
  while (!fs::exists(existing, ec) && existing.has_relative_path())
    existing = existing.parent_path();
  if (!fs::is_directory(existing, ec)) {
    return Error{existing.string() + " is not a folder"};
  }
  Status st = CheckAccess(existing, W_OK | X_OK, user);
  if (st.ok()) return st;
  if (existing == dir) return Error{"not writable by " + Who(user) + ": " + st.error()};
  return Error{"cannot be created by " + Who(user) + ": " + st.error()};
}

}  // namespace

Result<ServiceUser> LookUpUser(const std::string& name) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  int err = ::getpwnam_r(name.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (found == nullptr) {
    return Error{"no user " + name + (err != 0 ? std::string(": ") + std::strerror(err) : "")};
  }
  ServiceUser user{name, pw.pw_uid, pw.pw_gid, {}};
  int count = 64;
  for (int tries = 0; tries < 4; ++tries) {
    user.groups.resize(static_cast<size_t>(count));
    int n = count;
    if (::getgrouplist(name.c_str(), pw.pw_gid, user.groups.data(), &n) >= 0) {
      user.groups.resize(static_cast<size_t>(n));
      return user;
    }
    count = n > count ? n : count * 2;
  }
  return Error{"cannot list the groups of user " + name};
}

Status CheckAccess(const fs::path& path, int mode, const std::optional<ServiceUser>& user) {
  if (!user || user->uid == ::geteuid()) {
    if (::faccessat(AT_FDCWD, path.c_str(), mode, AT_EACCESS) == 0) return Ok{};
    return Error{path.string() + ": " + std::strerror(errno)};
  }
  // The kernel answers for the user (ACLs and every folder on the way
  // included) in a child that has become it; the CLI that asks is one
  // thread, so the fork is safe.
  const std::string text = path.string();
  pid_t pid = ::fork();
  if (pid < 0) return Error{std::string("cannot fork to check as a user: ") + std::strerror(errno)};
  if (pid == 0) {
    if (::setgroups(user->groups.size(), user->groups.data()) != 0 ||
        ::setresgid(user->gid, user->gid, user->gid) != 0 ||
        ::setresuid(user->uid, user->uid, user->uid) != 0) {
      ::_exit(255);
    }
    int rc = ::faccessat(AT_FDCWD, text.c_str(), mode, AT_EACCESS);
    ::_exit(rc == 0 ? 0 : (errno & 0xff));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return Error{std::string("cannot wait: ") + std::strerror(errno)};
  }
  if (!WIFEXITED(status)) return Error{"the check as user " + user->name + " died"};
  int code = WEXITSTATUS(status);
  if (code == 0) return Ok{};
  if (code == 255) return Error{"cannot become user " + user->name + " (run as root)"};
  return Error{text + ": " + std::strerror(code)};
}

// The "alerts" section: its webhook's secret through the channels' lookup,
// its ca_file and its command there and usable by the service.
static void CheckAlerts(const Config& config, const std::optional<ServiceUser>& user,
                        bool have_credentials, std::string& problems) {
  const AlertsConfig& alerts = config.alerts;
  if (alerts.webhook) {
    const std::string& name = alerts.webhook->secret_file;
    auto secret = ReadSecret(name, config.config_dir);
    if (!secret.ok()) {
      Add(problems, "alerts.webhook.secret_file: " + secret.error());
    } else {
      OPENSSL_cleanse(secret->data(), secret->size());
      fs::path path(name);
      if (!(path.is_relative() && have_credentials) && user) {
        if (path.is_relative()) path = config.config_dir / path;
        if (auto st = CheckAccess(path, R_OK, user); !st.ok()) {
          Add(problems, "alerts.webhook.secret_file: secret file cannot be read by " + Who(user) +
                            ": " + st.error());
        }
      }
    }
  }
  for (const auto& [key, file] : alerts.read_files) {
    std::error_code ec;
    const bool program = !alerts.command.empty() && file == alerts.command[0];
    std::string where = key + ": " + file.string();
    if (!fs::exists(file, ec)) {
      Add(problems, where + " does not exist");
    } else if (!fs::is_regular_file(file, ec)) {
      Add(problems, where + " is not a regular file");
    } else if (auto st = CheckAccess(file, program ? X_OK : R_OK, user); !st.ok()) {
      Add(problems, where + " cannot be " + (program ? "run" : "read") + " by " + Who(user) + ": " +
                        st.error());
    }
  }
}

Result<Config> StartupChecks(const StartupOptions& options) {
  const std::optional<ServiceUser>& user = options.user;
  if (options.credentials_dir) {
    ::setenv("CREDENTIALS_DIRECTORY", options.credentials_dir->c_str(), 1);
  }
  const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
  const bool have_credentials = credentials != nullptr && *credentials != '\0';

  Config config;
  if (options.config_file.empty()) {
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (ec) return Error{"cannot read the current folder: " + ec.message()};
    config = DefaultConfig(cwd);
  } else {
    if (user) {
      if (auto st = CheckAccess(options.config_file, R_OK, user); !st.ok()) {
        return Error{"config file cannot be read by " + Who(user) + ": " + st.error() +
                     " (make it readable by the service's group, e.g. root:loa 0640)"};
      }
    }
    auto loaded = LoadConfig(options.config_file);
    if (!loaded.ok()) return Error{loaded.error()};
    config = std::move(loaded).value();
  }

  std::string problems;
  const Status secrets = CheckSecrets(config);
  if (!secrets.ok()) Add(problems, secrets.error());
  for (const auto& [name, channel] : config.channels) {
    for (const SecretFile& secret : SecretFilesOf(channel, ConfigSchemas())) {
      if (secret.file.empty()) continue;
      fs::path path(secret.file);
      // With credentials, systemd (root) reads relative names and hands
      // them over; every other secret file the service reads itself.
      if (path.is_relative() && have_credentials) continue;
      if (path.is_relative()) path = config.config_dir / path;
      if (!user || !fs::exists(path)) continue;  // ReadSecret said it
      if (auto st = CheckAccess(path, R_OK, user); !st.ok()) {
        Add(problems, "channels." + name + "." + secret.key + ": secret file cannot be read by " +
                          Who(user) + ": " + st.error());
      }
    }
    for (const auto& [key, file] : channel.read_files) {
      std::error_code ec;
      std::string where = "channels." + name + "." + key + ": " + file.string();
      if (!fs::exists(file, ec)) {
        Add(problems, where + " does not exist");
      } else if (!fs::is_regular_file(file, ec)) {
        Add(problems, where + " is not a regular file");
      } else if (auto st = CheckAccess(file, R_OK, user); !st.ok()) {
        Add(problems, where + " cannot be read by " + Who(user) + ": " + st.error());
      }
    }
  }

  CheckAlerts(config, user, have_credentials, problems);

  std::vector<std::pair<std::string, fs::path>> folders = {
      {"state_dir", config.state_dir},      {"state_dir", config.MediaDir()},
      {"log_dir", config.log_dir},          {"inbox", config.inbox},
      {"inbox", config.inbox / "accepted"}, {"inbox", config.inbox / "rejected"}};
  for (const auto& [name, channel] : config.channels) {
    for (const ChannelFolder& folder : FoldersOf(channel, ConfigSchemas())) {
      folders.emplace_back("channels." + name + "." + folder.key, folder.path);
    }
  }
  for (const auto& [key, dir] : folders) {
    if (auto st = CheckFolder(dir, user); !st.ok()) {
      Add(problems, key + ": " + dir.string() + ": " + st.error());
    }
  }

  // The control server's token (its address was read with the config; one
  // in use is found when the daemon binds it: a running loa holds it now).
  if (Status control = CheckControl(config); !control.ok()) Add(problems, control.error());
  if (const std::string& file = config.control.token_file; !file.empty() && user) {
    fs::path path(file);
    if (path.is_relative() && !have_credentials) path = config.config_dir / path;
    if (path.is_absolute() && fs::exists(path)) {
      if (auto st = CheckAccess(path, R_OK, user); !st.ok()) {
        Add(problems, "control.token_file: cannot be read by " + Who(user) + ": " + st.error());
      }
    }
  }

  if (secrets.ok()) {
    EmptyVault vault;
    auto connectors = BuildConnectors(config, &vault, SystemClock());
    if (!connectors.ok()) Add(problems, connectors.error());
  }
  if (!problems.empty()) return Error{problems};
  return config;
}

}  // namespace loa
