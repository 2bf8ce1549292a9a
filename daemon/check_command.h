// `loa check PATH...`: what an editor runs before dropping items. It checks
// each item with the daemon's own parser against the installed config by
// default, in the editor's language, and warns about what would surprise
// after the drop: a due time in the past (sent at once or when the channel's
// window opens, or marked missed beyond max_lateness) and an id the running
// daemon already has. A retract is checked against the daemon too: one of
// an id it does not know is rejected.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "config/config.h"
#include "daemon/check_messages.h"
#include "daemon/cli.h"

namespace loa {

struct CheckArgs {
  std::string config_path;  // --config; "" for the installed or embedded one
  std::string lang;         // --lang: "vi", "en" or "" (from the environment)
  std::vector<std::string> paths;
  // Where the installed config is looked for; tests name another.
  std::string installed_config = kInstalledConfig;
};

// --lang when given; else, as gettext does, the first entry of LANGUAGE (a
// colon-separated list) whose language is vi or en; else the first of
// LC_ALL, LC_MESSAGES, LANG that is set and not empty (POSIX's order):
// English when its language code is "en" ("en", "en_US.UTF-8", "en@x"; any
// case), Vietnamese otherwise (and when none is set).
check_messages::Lang CheckLanguage(const std::string& flag);

// Exit code: 0 every item valid (whatever the warnings), 1 one invalid (a
// retract of an id the running daemon does not know included), 2 the config
// cannot be read.
int RunCheck(const CheckArgs& args);

// The config `loa check` checks against (and `loa preview` reads items
// with): `config_path` when given; else the installed config when it exists;
// else the embedded default rooted in the current folder. An installed
// config that cannot be looked at (a folder the user may not search) is an
// error, not a reason to take the default.
Result<Config> ConfigForChecks(const std::string& config_path);

}  // namespace loa
