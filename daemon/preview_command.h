// `loa preview PATH|ID [--channel C] [--out DIR]` (README "Preview"): an
// inbox item read with the daemon's own parser and config, or a stored
// item asked of the running daemon (GET /preview/ID), previewed per
// channel (daemon/preview.h). Sends nothing.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "config/config.h"

namespace loa {

struct PreviewArgs {
  std::string config_path;  // --config; "" for the default discovery
  std::string target;       // an item file or folder, or a stored item's id
  std::string channel;      // --channel; "" for every channel of the item
  std::string out;          // --out DIR; "" prints the summary instead
};

// Exit codes as the other commands (daemon/cli.h): 0, 1 the daemon refused,
// 2 bad input or configuration, 3 the daemon cannot be reached.
// `choose_config` finds the config as `loa check` does (daemon/cli.cc).
int RunPreview(const PreviewArgs& args,
               const std::function<Result<Config>(const std::string& config_path)>& choose_config);

}  // namespace loa
