#include "daemon/notify.h"

#include <systemd/sd-daemon.h>

#include <time.h>

#include <string>

#include "base/log.h"

namespace loa {

namespace {
// STATUS= is one line (a newline would start another assignment) and
// `systemctl status` prints it to a terminal: escaped like a log line.
std::string OneLine(std::string_view s) { return EscapeForLog(s); }
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

void NotifyReloading() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const unsigned long long usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
                                  static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  const std::string msg =
      "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + std::to_string(usec);
  (void)sd_notify(0, msg.c_str());
}

void NotifyWatchdog() { (void)sd_notify(0, "WATCHDOG=1"); }

std::optional<Millis> WatchdogPeriod() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return Millis(static_cast<int64_t>(usec / 2000));
}

}  // namespace loa
