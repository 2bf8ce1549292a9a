// GET /api/report (docs/control-api.md): the Office's report of a period
// (daemon/report.h) in the format asked for.
#pragma once

#include "base/clock.h"
#include "config/config.h"
#include "daemon/control_api.h"
#include "queue/store.h"

namespace loa {

// `from` and `to` local dates (YYYY-MM-DD, `to` included), `format` csv,
// html, json (default) or md. A parameter missing, repeated, unknown or
// wrong is a 400 naming it.
ControlAnswer ServeReport(const ControlRequest& request, Store& store, const Config& config,
                          TimePoint now);

}  // namespace loa
