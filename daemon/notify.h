// systemd readiness protocol (sd_notify). Every call is a no-op when loa is
// not started by systemd ($NOTIFY_SOCKET unset).
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"

namespace loa {

// READY=1 with a STATUS= line for `systemctl status`.
void NotifyReady(std::string_view status);
void NotifyStatus(std::string_view status);
void NotifyStopping();
// RELOADING=1 with the CLOCK_MONOTONIC time (MONOTONIC_USEC=, which systemd
// 253 and later require for Type=notify-reload and use to order the
// messages); READY=1 (NotifyReady) ends the reload.
void NotifyReloading();
void NotifyWatchdog();
// Half the watchdog interval systemd asked for (WatchdogSec=), if any: the
// period at which NotifyWatchdog() must be called.
std::optional<Millis> WatchdogPeriod();

}  // namespace loa
