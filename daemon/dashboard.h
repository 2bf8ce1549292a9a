// The Office's dashboard on the control server (docs/control-api.md
// "Dashboard"): the page and its files, the rejected items it lists, and
// the schedule as an iCalendar feed. The page is read-only and reads the
// JSON endpoints itself; nothing here changes anything.
#pragma once

#include <string_view>

#include "daemon/control_api.h"

namespace loa {

// Paths a person opens in a browser (the dashboard, its files, the
// calendar feed, the previews): beyond loopback, their 401 asks the browser
// for a Basic login.
bool IsBrowserPage(std::string_view path);

// "/" and "/assets/...": the embedded files.
bool IsDashboardPath(std::string_view path);
// The embedded file at `path` with the page's security headers; 404 when
// there is none.
ControlAnswer DashboardFile(std::string_view path);

// GET /api/rejected: the items rejected in the last 30 days (at most 50),
// newest first, with their reports.
ControlAnswer RejectedItemsAnswer(const ControlSources& src, const ControlRequest& request);

// GET /calendar.ics: every scheduled delivery, one event per item and due
// time.
ControlAnswer CalendarFeedAnswer(const ControlSources& src, const ControlRequest& request);

}  // namespace loa
