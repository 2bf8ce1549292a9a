// The `loa` command line: daemon, check, config check, config show-default.
#pragma once

#include <string>

namespace loa {

// Parses argv, runs the chosen subcommand and returns the process exit code:
// 0 success, 1 invalid items or a failure at run time, 2 usage or
// configuration errors (README, Command line).
int RunCli(int argc, char** argv, const std::string& version);

}  // namespace loa
