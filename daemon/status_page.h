// The editors' status page: an HTML file loa keeps in the inbox (config
// "status_page", README "Status page in the inbox") so that whoever drops
// items over the Samba share sees what became of them without any access to
// the server: what is due, what went out in the last 30 days with its links,
// and what was rejected and why. In Vietnamese, one self-contained file (no
// script, no outside resource: it is opened from disk on Windows).
//
// Rewritten after every ingest commit and every engine attempt, at most once
// per kMinSpacing, whole (AtomicFileWriter): an editor's browser never reads
// half a page.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"
#include "config/config.h"
#include "daemon/rejected_items.h"
#include "queue/store.h"

namespace loa {

// The config's zone, whatever type config/config.h gives it.
using StatusPageZone = decltype(Config::timezone);

// What the page shows, read from the store and inbox/rejected/.
struct StatusPageData {
  TimePoint generated_at{};
  // One row per item and due time, soonest first.
  struct Upcoming {
    std::string id;
    std::string title;
    TimePoint due{};
    std::vector<std::string> channels;
    bool sending = false;  // one of them is being sent now
  };
  std::vector<Upcoming> upcoming;
  // Deliveries settled in the last kOutcomeDays, newest first.
  std::vector<SettledDelivery> settled;
  std::vector<RejectedItem> rejected;
  // A store read that failed, said on the page instead of its section
  // (an empty section would read as "nothing").
  std::string upcoming_error;
  std::string settled_error;
  // Items left off past the limit below.
  size_t upcoming_more = 0;
  // Older outcomes of the period left off past the limit below.
  bool older_settled = false;
};

inline constexpr int kStatusPageOutcomeDays = 30;
inline constexpr size_t kStatusPageMaxUpcoming = 300;
inline constexpr size_t kStatusPageMaxSettled = 500;
inline constexpr size_t kStatusPageMaxRejected = 50;

// Reads what the page shows at `now`. On the io thread (the store's).
StatusPageData ReadStatusPage(Store& store, const Config& config, TimePoint now);

// The page (daemon/status_page_html.cc): every text from items, platforms and
// file names escaped; links only to http(s) addresses.
std::string RenderStatusPage(const StatusPageData& data, const StatusPageZone& zone);

// Keeps the page up to date. Everything on the io thread.
class StatusPage {
 public:
  static constexpr Millis kMinSpacing = std::chrono::seconds(2);

  // `config` must outlive the page or be replaced with SetConfig first.
  StatusPage(asio::io_context& io, Store& store, const Config* config, const Clock& clock);
  ~StatusPage();
  StatusPage(const StatusPage&) = delete;
  StatusPage& operator=(const StatusPage&) = delete;

  // Something the page shows changed: it is rewritten now, or kMinSpacing
  // after the last write, once for every change meanwhile.
  void Changed();
  // A reload's config (the page's name cannot change without a restart).
  void SetConfig(const Config* config) { config_ = config; }
  // No more writes.
  void Stop();

  // Reads, renders and writes the page now. A failure is logged once (and
  // its end once); it never stops the daemon.
  Status Write();

  std::filesystem::path path() const { return config_->inbox / config_->status_page; }

 private:
  void Fire();

  Store& store_;
  const Config* config_;
  const Clock& clock_;
  asio::steady_timer timer_;
  bool armed_ = false;
  bool stopped_ = false;
  bool failing_ = false;
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace loa
