// The `loa` command line: daemon, check, config check, config show-default,
// and the operator's commands (daemon/operator_commands.h).
#pragma once

#include <string>

namespace loa {

// The config file the package installs, and the folder its secrets live in
// (handed to the service with LoadCredential=).
inline constexpr const char* kInstalledConfig = "/etc/loa/loa.json";
inline constexpr const char* kInstalledCredentials = "/etc/loa/credentials";

// Parses argv, runs the chosen subcommand and returns the process exit code:
// 0 success, 1 invalid items or a failure at run time (for the operator's
// commands: the daemon refused), 2 usage or configuration errors, 3 the
// daemon cannot be reached (README, Command line).
int RunCli(int argc, char** argv, const std::string& version);

}  // namespace loa
