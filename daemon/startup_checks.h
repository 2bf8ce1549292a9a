// Every check loa makes before it runs, in one function: `loa daemon` calls
// it before it takes its lock, and `loa config check` calls exactly it, so
// that `OK` means the daemon will start (README, Operations).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"

namespace loa {

// The account the service runs as, when it is not the one checking
// (`loa config check --user loa` run by root).
struct ServiceUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary, from the group database
};

// The user called `name` and its groups; an error when there is none.
Result<ServiceUser> LookUpUser(const std::string& name);

struct StartupOptions {
  // The config file; empty: the embedded default rooted at the current
  // folder.
  std::filesystem::path config_file;
  // Where the channels' relative *_file names are looked up (what systemd's
  // LoadCredential= hands the service as $CREDENTIALS_DIRECTORY). Set, it
  // becomes $CREDENTIALS_DIRECTORY of this process, so that the connectors
  // read their secrets through the same lookup (config/secrets.h).
  std::optional<std::filesystem::path> credentials_dir;
  // Check what the service reads and writes as this user (needs root);
  // none: as this process.
  std::optional<ServiceUser> user;
};

// Loads the config and checks that the service can run on it: the config
// file readable, every channel secret found and valid through ReadSecret,
// every file a channel reads (ca_file) readable, every folder it writes
// (state, media, logs, inbox with accepted/ and rejected/, the channels'
// folders) there or creatable, and writable, and every connector buildable.
// Creates nothing. On error, every problem, one per line, each naming its
// key path or file; never a secret's content. Every error is a
// configuration error (exit 2).
Result<Config> StartupChecks(const StartupOptions& options);

// `path` can be opened with `mode` (R_OK, W_OK, X_OK) by `user`, or by this
// process when none; checked by the kernel itself (ACLs included) in a
// child that has become the user. The error names the path and errno.
Status CheckAccess(const std::filesystem::path& path, int mode,
                   const std::optional<ServiceUser>& user);

}  // namespace loa
