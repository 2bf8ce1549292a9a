// The operator's subcommands, clients of the daemon's control API
// (docs/control-api.md): status, queue, show, retry, cancel, reschedule,
// resolve. README "Command line for operators" and loa(8) describe them.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "daemon/control_client.h"

namespace loa {

// Exit codes of these subcommands (README "Command line for operators").
inline constexpr int kOperatorOk = 0;
inline constexpr int kOperatorRefused = 1;      // the daemon answered with an error
inline constexpr int kOperatorUsage = 2;        // usage or configuration error
inline constexpr int kOperatorUnreachable = 3;  // no answer from the daemon

// The config named by --config; else the installed one when it exists,
// else the embedded default rooted at the current folder: where the
// daemon's control API is (`loa report` asks it too: daemon/report_command.h).
Result<ControlEndpoint> ChosenEndpoint(const std::string& config_path);
// The exit code for a call that did not get its answer.
int OperatorExitCode(const ControlFailure& failure);

class OperatorCommands {
 public:
  // Adds the subcommands to `app`.
  explicit OperatorCommands(CLI::App& app);
  OperatorCommands(const OperatorCommands&) = delete;
  OperatorCommands& operator=(const OperatorCommands&) = delete;

  // After `app` parsed the command line: runs the chosen subcommand if it is
  // one of these and returns its exit code; nullopt otherwise.
  std::optional<int> Run() const;

 private:
  struct Args {
    std::string config_path;
    bool json = false;
    std::string id;
    std::string channel;  // queue --channel, or the optional/required CHANNEL
    std::string state, from, to;
    std::string time;
    std::string published_url;
    bool not_published = false;
  };

  Args args_;
  CLI::App* status_ = nullptr;
  CLI::App* queue_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* retry_ = nullptr;
  CLI::App* cancel_ = nullptr;
  CLI::App* reschedule_ = nullptr;
  CLI::App* resolve_ = nullptr;
};

}  // namespace loa
