#include "daemon/cli.h"

#include <unistd.h>
#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/result.h"
#include "base/text.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/check_command.h"
#include "daemon/daemon.h"
#include "daemon/operator_commands.h"
#include "daemon/preview_command.h"
#include "daemon/report_command.h"
#include "daemon/startup_checks.h"

namespace loa {

namespace {

namespace fs = std::filesystem;

// README, Command line: 1 for invalid items and failures at run time, 2 for
// usage and configuration errors (which systemd does not restart on:
// RestartPreventExitStatus=2).
constexpr int kConfigError = 2;
constexpr int kUsage = 2;

struct ConfigCheckArgs {
  std::string config_path;
  std::string credentials;  // --credentials; "" when not given
  std::string user;         // --user; "" when not given
};

int RunConfigCheck(const ConfigCheckArgs& args) {
  StartupOptions options;
  options.config_file = args.config_path;
  const char* env_credentials = std::getenv("CREDENTIALS_DIRECTORY");
  if (!args.credentials.empty()) {
    options.credentials_dir = fs::absolute(args.credentials);
  } else if ((env_credentials == nullptr || *env_credentials == '\0') &&
             fs::path(args.config_path).lexically_normal() == kInstalledConfig) {
    // What the installed unit hands the service (LoadCredential=).
    options.credentials_dir = fs::path(kInstalledCredentials);
  }
  if (!args.user.empty()) {
    auto user = LookUpUser(args.user);
    if (!user.ok()) {
      LogError("loa config check: --user: " + user.error());
      return kUsage;
    }
    options.user = std::move(user).value();
  } else if (::geteuid() == 0) {
    // Root checks for the service's own user when it exists.
    if (auto user = LookUpUser("loa"); user.ok()) options.user = std::move(user).value();
  }
  auto config = StartupChecks(options);
  if (!config.ok()) {
    LogLines(LogLevel::kError, "", config.error());
    return kConfigError;
  }
  std::cout << "OK " << (args.config_path.empty() ? "(embedded default)" : args.config_path) << ": "
            << config->channels.size() << " channels (" << Join(config->ChannelNames()) << ")"
            << (options.user ? ", as user " + options.user->name : std::string()) << "\n";
  return 0;
}

int RunDaemonCommand(const std::string& config_path) {
  // The same checks as `loa config check` (daemon/startup_checks.h), as the
  // user the daemon runs as, with the credentials systemd handed it.
  StartupOptions options;
  options.config_file = config_path;
  auto config = StartupChecks(options);
  if (!config.ok()) {
    LogLines(LogLevel::kError, "loa cannot start: ", config.error());
    return kConfigError;
  }
  return RunDaemon(std::move(config).value(), config_path);
}

// CLI11's own messages (usage errors), one log line per line.
void PrintParseError(const std::string& text) {
  if (!text.empty()) LogLines(LogLevel::kError, "", text);
}

}  // namespace

int RunCli(int argc, char** argv, const std::string& version) {
  CLI::App app{
      "loa publishes approved communication items on schedule to the department's channels."};
  app.set_version_flag("--version", "loa " + version);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success; 1 invalid item(s) (check), a failure at run time, or the daemon "
      "refused (status, queue, show, report and the actions); 2 usage or configuration error (the "
      "daemon "
      "also when another daemon runs on its state_dir); 3 the daemon cannot be reached.");

  std::string config_path;
  const char* config_help =
      "config file (JSON with comments); default: the embedded one, "
      "with everything under ./var/";

  CLI::App* daemon = app.add_subcommand("daemon", "run the service in the foreground");
  daemon->add_option("--config", config_path, config_help);

  CheckArgs check_args;
  CLI::App* check = app.add_subcommand(
      "check",
      "validate inbox items (NAME.json or NAME/ folders) and print every problem, in Vietnamese "
      "(English with --lang en or an English locale); warns when an item is due in the past or "
      "its id is already known to the running loa, and refuses a retract of an id it does not "
      "know (warnings keep exit code 0)");
  check->add_option("--config", check_args.config_path,
                    "config file; default: /etc/loa/loa.json when it exists, else the embedded "
                    "one");
  check
      ->add_option("--lang", check_args.lang,
                   "vi or en; default: from LANGUAGE, else LC_ALL, LC_MESSAGES, LANG (language "
                   "en is English), else vi")
      ->check(CLI::IsMember(std::vector<std::string>{"vi", "en"}));
  check->add_option("paths", check_args.paths, "items to check")->required();

  CLI::App* config = app.add_subcommand("config", "configuration commands");
  config->require_subcommand(1);
  ConfigCheckArgs config_check_args;
  CLI::App* config_check = config->add_subcommand(
      "check",
      "run the daemon's own start-up checks: the config, its secrets, ca_file, folders; "
      "OK means `loa daemon` will start");
  config_check->add_option("--config", config_check_args.config_path, config_help);
  config_check->add_option(
      "--credentials", config_check_args.credentials,
      "folder holding the secret files, as systemd's LoadCredential= gives the service; "
      "default: $CREDENTIALS_DIRECTORY, else /etc/loa/credentials for /etc/loa/loa.json, "
      "else beside the config");
  config_check->add_option("--user", config_check_args.user,
                           "check that this user can read and write what the service does "
                           "(needs root); default: loa when run as root and that user exists");
  CLI::App* show_default =
      config->add_subcommand("show-default", "print the embedded default config");

  OperatorCommands operator_commands(app);
  ReportCommand report_command(app);

  PreviewArgs preview_args;
  CLI::App* preview = app.add_subcommand(
      "preview",
      "show what loa will send on each channel for an item: a summary, or with --out an HTML "
      "page laid out as each platform shows it; sends nothing");
  preview->add_option("--config", preview_args.config_path,
                      "config file, found as for check (an ID: the running daemon's, as for "
                      "status)");
  preview
      ->add_option("PATH_OR_ID", preview_args.target,
                   "an inbox item (NAME.json or NAME/ folder), read here; or a stored item's "
                   "id, asked of the running daemon")
      ->required();
  preview->add_option("--channel", preview_args.channel, "only this channel");
  preview->add_option("--out", preview_args.out,
                      "write DIR/<id>.html (and the images beside it) and print its path");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    int code = app.exit(e, out, err);
    std::cout << out.str();
    std::cout.flush();
    PrintParseError(err.str());
    return code == 0 ? 0 : kUsage;
  }

  if (*daemon) return RunDaemonCommand(config_path);
  if (*check) return RunCheck(check_args);
  if (*config_check) return RunConfigCheck(config_check_args);
  if (*preview) return RunPreview(preview_args, ConfigForChecks);
  if (auto code = operator_commands.Run()) return *code;
  if (auto code = report_command.Run()) return *code;
  if (*show_default) {
    std::cout << DefaultConfigText();
    std::cout.flush();
    return 0;
  }
  return kUsage;
}

}  // namespace loa
