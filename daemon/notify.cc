#include "daemon/notify.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace loa {

namespace {
// STATUS= is one line; a newline would start another assignment.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}
}  // namespace

void NotifyReady(std::string_view status) {
  std::string msg = "READY=1\nSTATUS=" + OneLine(status);
  (void)sd_notify(0, msg.c_str());
}

void NotifyStatus(std::string_view status) {
  std::string msg = "STATUS=" + OneLine(status);
  (void)sd_notify(0, msg.c_str());
}

void NotifyStopping() { (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void NotifyWatchdog() { (void)sd_notify(0, "WATCHDOG=1"); }

std::optional<Millis> WatchdogPeriod() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return Millis(static_cast<int64_t>(usec / 2000));
}

}  // namespace loa
