// Reads the config's "alerts" section into AlertsConfig (config/config.h):
// where alerts go (a command, a signed webhook) and how early an expiring
// credential is announced. Every problem is reported with its key path.
#pragma once

#include "config/config.h"
#include "config/settings_reader.h"

namespace loa {

// Reads `top`'s "alerts" key, if present, into `out`.
void ReadAlerts(SettingsReader& top, AlertsConfig* out);

}  // namespace loa
