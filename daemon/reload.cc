#include "daemon/reload.h"

#include <utility>

#include "base/log.h"
#include "base/time.h"
#include "connectors/registry.h"
#include "daemon/startup_checks.h"

namespace loa {

namespace {

void Changed(std::string& out, const char* key, const std::string& from, const std::string& to) {
  out += (out.empty() ? "" : "\n") + std::string(key) + " changed (" + Quoted(from) + " to " +
         Quoted(to) + "): a running loa cannot change it; restart loa to apply it";
}

}  // namespace

std::string RestartOnlyChanges(const Config& running, const Config& next) {
  std::string out;
  if (running.state_dir != next.state_dir) {
    Changed(out, "state_dir", running.state_dir.string(), next.state_dir.string());
  }
  if (running.inbox != next.inbox)
    Changed(out, "inbox", running.inbox.string(), next.inbox.string());
  if (running.log_dir != next.log_dir) {
    Changed(out, "log_dir", running.log_dir.string(), next.log_dir.string());
  }
  // The inbox watcher takes these at start (daemon/inbox_watcher.h).
  if (running.settle_time != next.settle_time) {
    Changed(out, "settle_time", FormatDuration(running.settle_time),
            FormatDuration(next.settle_time));
  }
  // The watcher is told at start which name is the status page, not an item.
  if (running.status_page != next.status_page) {
    Changed(out, "status_page", running.status_page, next.status_page);
  }
  if (running.rescan_interval != next.rescan_interval) {
    Changed(out, "rescan_interval", FormatDuration(running.rescan_interval),
            FormatDuration(next.rescan_interval));
  }
  // The control server binds its address and reads its token at start
  // (daemon/control_server.h).
  if (running.control.listen != next.control.listen) {
    Changed(out, "control.listen", running.control.listen, next.control.listen);
  }
  if (running.control.token_file != next.control.token_file) {
    Changed(out, "control.token_file", running.control.token_file, next.control.token_file);
  }
  return out;
}

Result<Runnable> LoadRunnable(const std::filesystem::path& config_path, const Config& running,
                              std::unique_ptr<TokenStore>& tokens, const Clock& clock) {
  // The start-up checks themselves: a reload is refused exactly when a
  // start on the same files would be (README, Operations).
  StartupOptions options;
  options.config_file = config_path;
  Result<Config> loaded = StartupChecks(options);
  if (!loaded.ok()) return Error{loaded.error()};
  auto config = std::make_shared<const Config>(std::move(loaded).value());
  if (std::string refused = RestartOnlyChanges(running, *config); !refused.empty()) {
    return Error{refused};
  }
  if (!tokens && NeedsTokenVault(*config)) {
    auto opened = TokenStore::Open(config->DatabasePath());
    if (!opened.ok()) return Error{"cannot open the token store: " + opened.error()};
    tokens = std::move(opened).value();
  }
  auto connectors = BuildConnectors(*config, tokens.get(), clock);
  if (!connectors.ok()) return Error{connectors.error()};
  return Runnable{std::move(config), std::move(connectors).value()};
}

}  // namespace loa
