// Runs an alert command (daemon/alerts.h): a program with a fixed argument
// list, no shell, the alert on its stdin, bounded in time. Nothing from the
// alert ever becomes an argument.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace loa {

// Runs argv[0] (an absolute path) with `argv`, writes `input` to its stdin
// and closes it, and waits for it to exit. Its stdout and stderr go to
// /dev/null (a program's output is not one log line each); it gets a
// process group of its own, which is killed (SIGKILL) when `timeout` passes
// or `cancel` becomes true. OK when it exits with status 0; otherwise the
// error says how it ended. Blocks the calling thread: run it off the io
// thread. SIGPIPE from a program that does not read its stdin is kept from
// the daemon.
Status RunAlertCommand(const std::vector<std::string>& argv, const std::string& input,
                       Millis timeout, const std::atomic<bool>& cancel);

}  // namespace loa
