// SIGHUP: what a reload reads and checks before anything running changes.
// See docs/design.md (Reload).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "queue/token_store.h"

namespace loa {

// A config the daemon can run, with every channel's connector built.
struct Runnable {
  std::shared_ptr<const Config> config;
  ConnectorMap connectors;
};

// The settings a running daemon cannot change (its store, inbox and logs are
// open, its inbox watched): one line per setting `next` changes, empty when
// none.
std::string RestartOnlyChanges(const Config& running, const Config& next);

// Runs the start-up checks again on `config_path` (daemon/startup_checks.h:
// the embedded default rooted at the current folder when empty), refuses the
// settings only a restart can change, and builds every connector. The
// error holds one line per problem. The token store (for the types that keep
// OAuth pairs) is opened into `tokens` when the new config is the first to
// need it; it lives as long as the daemon.
Result<Runnable> LoadRunnable(const std::filesystem::path& config_path, const Config& running,
                              std::unique_ptr<TokenStore>& tokens, const Clock& clock);

}  // namespace loa
