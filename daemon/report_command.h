// `loa report --from DATE --to DATE [--format csv|html|json|md] [--out FILE]`:
// the Office's report of a period (daemon/report.h), asked of the running
// daemon (GET /api/report) and printed or written to a file. README "For
// the Office", "Reports", and loa(8) describe it.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace loa {

class ReportCommand {
 public:
  // Adds the subcommand to `app`.
  explicit ReportCommand(CLI::App& app);
  ReportCommand(const ReportCommand&) = delete;
  ReportCommand& operator=(const ReportCommand&) = delete;

  // After `app` parsed the command line: runs `loa report` if it was chosen
  // and returns its exit code (as the operator commands': 0, 1 refused or
  // the file not written, 2 usage, 3 the daemon unreachable); nullopt
  // otherwise.
  std::optional<int> Run() const;

 private:
  std::string config_path_;
  std::string from_, to_;
  std::string format_;  // "" when not given
  std::string out_;     // "" for stdout
  CLI::App* report_ = nullptr;
};

}  // namespace loa
