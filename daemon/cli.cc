#include "daemon/cli.h"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "connectors/registry.h"
#include "daemon/daemon.h"
#include "inbox/inbox_file.h"
#include "inbox/item_parser.h"

namespace loa {

namespace {

namespace fs = std::filesystem;

constexpr int kInvalid = 1;
constexpr int kUsage = 2;

// The config named by --config, or the embedded default rooted at the
// current folder.
Result<Config> ChosenConfig(const std::string& config_path) {
  if (config_path.empty()) {
    std::error_code ec;
    fs::path cwd = fs::current_path(ec);
    if (ec) return Error{"cannot read the current folder: " + ec.message()};
    return DefaultConfig(cwd);
  }
  auto config = LoadConfig(config_path);
  if (!config.ok()) return Error{"invalid configuration:\n" + config.error()};
  return config;
}

int RunCheck(const std::string& config_path, const std::vector<std::string>& paths) {
  auto config = ChosenConfig(config_path);
  if (!config.ok()) {
    std::cerr << "loa check: " << config.error() << "\n";
    return kUsage;
  }
  ParseOptions options;
  options.channel_names = config->ChannelNames();
  options.limits = LimitsByChannel(*config);
  options.zone = config->timezone;
  options.now = SystemClock().Now();
  int invalid = 0;
  for (const auto& path : paths) {
    ParsedItem parsed = ParseItem(path, options);
    // A path may hold a line break or bytes that are not text: shown escaped,
    // one item is one header line.
    std::string shown = ShowName(path, 4096);
    if (parsed.ok()) {
      std::cout << "OK " << shown << "\n";
      continue;
    }
    ++invalid;
    std::cout << shown << ":\n";
    for (const auto& problem : parsed.problems) {
      std::cout << "  " << FormatProblemLine(problem) << "\n";
    }
  }
  std::cout.flush();
  return invalid > 0 ? kInvalid : 0;
}

int RunConfigCheck(const std::string& config_path) {
  auto config = ChosenConfig(config_path);
  if (!config.ok()) {
    std::cerr << config.error() << "\n";
    return kInvalid;
  }
  if (auto st = CheckSecrets(*config); !st.ok()) {
    std::cerr << (config_path.empty() ? "embedded default" : config_path) << ": secret files:\n"
              << st.error() << "\n";
    return kInvalid;
  }
  std::string names;
  for (const auto& name : config->ChannelNames()) names += (names.empty() ? "" : ", ") + name;
  std::cout << "OK " << (config_path.empty() ? "(embedded default)" : config_path) << ": "
            << config->channels.size() << " channels (" << names << ")\n";
  return 0;
}

int RunDaemonCommand(const std::string& config_path) {
  auto config = ChosenConfig(config_path);
  if (!config.ok()) {
    std::cerr << "loa daemon: refusing to start: " << config.error() << "\n";
    return kUsage;
  }
  return RunDaemon(std::move(config).value(), config_path);
}

}  // namespace

int RunCli(int argc, char** argv, const std::string& version) {
  CLI::App app{
      "loa publishes approved communication items on schedule to the department's channels."};
  app.set_version_flag("--version", "loa " + version);
  app.require_subcommand(1);

  std::string config_path;
  const char* config_help =
      "config file (JSON with comments); default: the embedded one, "
      "with everything under ./var/";

  CLI::App* daemon = app.add_subcommand("daemon", "run the service in the foreground");
  daemon->add_option("--config", config_path, config_help);

  std::vector<std::string> paths;
  CLI::App* check = app.add_subcommand(
      "check", "validate inbox items (NAME.json or NAME/ folders) and print every problem");
  check->add_option("--config", config_path, config_help);
  check->add_option("paths", paths, "items to check")->required();

  CLI::App* config = app.add_subcommand("config", "configuration commands");
  config->require_subcommand(1);
  CLI::App* config_check =
      config->add_subcommand("check", "parse the config and read its secret files");
  config_check->add_option("--config", config_path, config_help);
  CLI::App* show_default =
      config->add_subcommand("show-default", "print the embedded default config");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }

  if (*daemon) return RunDaemonCommand(config_path);
  if (*check) return RunCheck(config_path, paths);
  if (*config_check) return RunConfigCheck(config_path);
  if (*show_default) {
    std::cout << DefaultConfigText();
    std::cout.flush();
    return 0;
  }
  return kUsage;
}

}  // namespace loa
