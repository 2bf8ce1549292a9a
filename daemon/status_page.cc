#include "daemon/status_page.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/fs.h"
#include "base/log.h"
#include "base/text.h"
#include "daemon/ingest.h"

namespace loa {

namespace {

std::vector<StatusPageData::Upcoming> GroupUpcoming(const std::vector<DeliveryListing>& rows) {
  // FindDeliveries gives them by due time: the first row of an (item, due)
  // pair places it.
  std::vector<StatusPageData::Upcoming> out;
  std::map<std::pair<std::string, TimePoint>, size_t> index;
  for (const DeliveryListing& row : rows) {
    const Delivery& d = row.delivery;
    auto [it, inserted] = index.try_emplace({d.post_id, d.due_at}, out.size());
    if (inserted) out.push_back({d.post_id, row.title, d.due_at, {}, false});
    StatusPageData::Upcoming& u = out[it->second];
    u.channels.push_back(d.channel);
    u.sending = u.sending || d.state == DeliveryState::kSending;
  }
  return out;
}

}  // namespace

StatusPageData ReadStatusPage(Store& store, const Config& config, TimePoint now) {
  StatusPageData data;
  data.generated_at = now;

  DeliveryFilter filter;
  filter.states = {DeliveryState::kScheduled, DeliveryState::kSending};
  // Rows, not items: an item has a row per channel.
  filter.limit = static_cast<int>(kStatusPageMaxUpcoming * 8);
  if (auto rows = store.FindDeliveries(filter); rows.ok()) {
    data.upcoming = GroupUpcoming(*rows);
    if (data.upcoming.size() > kStatusPageMaxUpcoming) {
      data.upcoming_more = data.upcoming.size() - kStatusPageMaxUpcoming;
      data.upcoming.resize(kStatusPageMaxUpcoming);
    }
  } else {
    data.upcoming_error = rows.error();
  }

  const TimePoint since = now - std::chrono::days(kStatusPageOutcomeDays);
  // `now` itself included: a delivery settled this millisecond shows.
  // One more than shown tells whether older ones exist, without counting
  // every outcome of the month each time the page is written.
  if (auto settled = store.LatestSettled(since, now + Millis(1), kStatusPageMaxSettled + 1);
      settled.ok()) {
    data.settled = std::move(settled).value();
    if (data.settled.size() > kStatusPageMaxSettled) {
      data.older_settled = true;
      data.settled.resize(kStatusPageMaxSettled);
    }
  } else {
    data.settled_error = settled.error();
  }

  data.rejected = ListRejectedItems(RejectedDir(config), since, kStatusPageMaxRejected);
  return data;
}

StatusPage::StatusPage(asio::io_context& io, Store& store, const Config* config, const Clock& clock)
    : store_(store), config_(config), clock_(clock), timer_(io) {}

StatusPage::~StatusPage() { Stop(); }

void StatusPage::Changed() {
  if (stopped_ || armed_) return;  // an armed write will show this change too
  armed_ = true;
  const auto now = std::chrono::steady_clock::now();
  const auto next = last_write_ + kMinSpacing;
  // Posted even when due now: the caller (an ingest result, an engine
  // event) finishes before the store is read again.
  timer_.expires_after(next > now ? next - now : std::chrono::steady_clock::duration::zero());
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) Fire();
  });
}

void StatusPage::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void StatusPage::Fire() {
  armed_ = false;
  if (stopped_) return;
  (void)Write();
}

Status StatusPage::Write() {
  last_write_ = std::chrono::steady_clock::now();
  const fs::path target = path();
  StatusPageData data = ReadStatusPage(store_, *config_, clock_.Now());
  Status written = WriteFileAtomic(target, RenderStatusPage(data, config_->timezone), 0640);
  if (!written.ok()) {
    if (!failing_) {
      LogError("status page: cannot write " + Quoted(target.string()) + ": " + written.error() +
               " (loa goes on; it tries again at the next change)");
    }
    failing_ = true;
    return written;
  }
  if (failing_) LogInfo("status page: " + Quoted(target.string()) + " written again");
  failing_ = false;
  return Ok{};
}

}  // namespace loa
