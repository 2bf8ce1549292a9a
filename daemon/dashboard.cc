#include "daemon/dashboard.h"

#include <algorithm>
#include <chrono>

#include "base/time.h"
#include "daemon/calendar_ics.h"
#include "daemon/dashboard_assets.h"
#include "daemon/ingest.h"
#include "daemon/rejected_items.h"

namespace loa {

namespace {

using ojson = nlohmann::ordered_json;

constexpr auto kRejectedWindow = std::chrono::days(30);
constexpr size_t kRejectedLimit = 50;
// As /api/queue: a listing longer than this is refused, not cut short.
constexpr int kMaxEvents = 10000;
// How far back the calendar feed keeps what became of the items: a
// quarter, the Office's usual reporting period.
constexpr auto kCalendarPast = std::chrono::days(92);

// Scripts and styles only from loa itself, no frames, no forms elsewhere:
// an item's text that slipped through as markup could still run nothing.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void AddPageHeaders(ControlAnswer& answer) {
  answer.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  answer.headers.emplace_back("Referrer-Policy", "no-referrer");
  answer.headers.emplace_back("Cache-Control", "no-store");
}

ControlAnswer NoParameters(const ControlRequest& request) {
  return ErrorAnswer(400, "unknown query parameter \"" + request.query.front().first.substr(0, 40) +
                              "\": this path takes none");
}

}  // namespace

bool IsBrowserPage(std::string_view path) {
  return IsDashboardPath(path) || path == "/calendar.ics" || path.starts_with("/preview/");
}

bool IsDashboardPath(std::string_view path) { return path == "/" || path.starts_with("/assets/"); }

ControlAnswer DashboardFile(std::string_view path) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (asset.path != path) continue;
    const char* type = path.ends_with(".js")    ? "text/javascript; charset=utf-8"
                       : path.ends_with(".css") ? "text/css; charset=utf-8"
                                                : "text/html; charset=utf-8";
    ControlAnswer answer{200, std::string(asset.body), type, {}};
    AddPageHeaders(answer);
    return answer;
  }
  return ErrorAnswer(404, "no such file of the dashboard");
}

ControlAnswer RejectedItemsAnswer(const ControlSources& src, const ControlRequest& request) {
  if (!request.query.empty()) return NoParameters(request);
  const Config& config = src.config();
  const std::vector<RejectedItem> items =
      ListRejectedItems(RejectedDir(config), src.clock->Now() - kRejectedWindow, kRejectedLimit);
  ojson list = ojson::array();
  for (const RejectedItem& r : items) {
    list.push_back({{"name", r.name},
                    {"rejected_at", FormatLocal(r.at, config.timezone)},
                    {"report", r.report}});
  }
  return {200, JsonText(ojson{{"rejected", list}})};
}

ControlAnswer CalendarFeedAnswer(const ControlSources& src, const ControlRequest& request) {
  if (!request.query.empty()) return NoParameters(request);
  // What is still to come, whenever it is due, and what became of what was
  // due in the last quarter; a cancelled delivery leaves the calendar.
  const TimePoint now = src.clock->Now();
  DeliveryFilter open;
  open.states = {DeliveryState::kScheduled, DeliveryState::kSending, DeliveryState::kUncertain};
  open.limit = kMaxEvents + 1;
  DeliveryFilter settled;
  settled.states = {DeliveryState::kPublished, DeliveryState::kFailed, DeliveryState::kRetracted};
  settled.due_from = now - kCalendarPast;
  settled.limit = kMaxEvents + 1;
  std::vector<DeliveryListing> listings;
  for (const DeliveryFilter* filter : {&settled, &open}) {
    auto found = src.store->FindDeliveries(*filter);
    if (!found.ok()) return ErrorAnswer(503, found.error());
    listings.insert(listings.end(), found->begin(), found->end());
    if (listings.size() > static_cast<size_t>(kMaxEvents)) {
      return ErrorAnswer(503, "more than " + std::to_string(kMaxEvents) +
                                  " deliveries to show: too many for one calendar");
    }
  }
  std::stable_sort(listings.begin(), listings.end(), [](const auto& a, const auto& b) {
    return a.delivery.due_at < b.delivery.due_at;
  });
  ControlAnswer answer{
      200, IcsCalendar(CalendarEvents(listings), now), "text/calendar; charset=utf-8", {}};
  answer.headers.emplace_back("X-Content-Type-Options", "nosniff");
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

}  // namespace loa
