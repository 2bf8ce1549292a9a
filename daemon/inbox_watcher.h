// Watches the inbox folder and hands over each dropped item once it has
// stopped changing. inotify (through Asio) reports changes as they happen; a
// full rescan at start and every `rescan_interval` catches what inotify
// cannot see (network shares, files dropped while loa was not running).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/asio.h"
#include "base/clock.h"
#include "base/result.h"
#include "inbox/inbox_file.h"  // IsIgnoredInboxName: names the watcher never treats as items

namespace loa {

namespace fs = std::filesystem;

struct InboxWatcherOptions {
  fs::path inbox;
  Millis settle_time = std::chrono::seconds(1);
  Millis rescan_interval = std::chrono::seconds(30);
  // The status page loa writes into the inbox (daemon/status_page.h), ""
  // for none: neither it nor its temporary file is ever an item.
  std::string status_page;
};

class InboxWatcher {
 public:
  // Called on the io thread with the item's path (NAME.json or NAME/). The
  // callee is expected to move the item out of the inbox; one that stays is
  // offered again when it changes or at the next rescan. False: the callee
  // has no room now; the item and those after it are offered again at the
  // next look (a quarter of settle_time later), without waiting for a rescan.
  using ItemHandler = std::function<bool(const fs::path&)>;

  InboxWatcher(asio::io_context& io, InboxWatcherOptions options, Clock& clock,
               ItemHandler on_item);
  ~InboxWatcher();
  InboxWatcher(const InboxWatcher&) = delete;
  InboxWatcher& operator=(const InboxWatcher&) = delete;

  // Sets up inotify on the inbox (which must exist) and runs the first scan.
  Status Start();
  // Stops watching; pending candidates are forgotten (the next start's scan
  // finds them again).
  void Stop();
  // Looks at every entry of the inbox now (also done every rescan_interval).
  void Rescan();

  // Items seen but not yet handed over (still changing, or a folder still
  // without post.json). For tests and the status line.
  size_t PendingCount() const { return candidates_.size(); }

 private:
  // What the watcher knows of one inbox entry.
  struct Candidate {
    std::optional<std::string> signature;  // none: a folder without post.json yet
    TimePoint stable_since{};
  };

  void ReadEvents();
  void HandleEventBuffer(size_t bytes);
  void Observe(const std::string& name);
  bool IsStatusPage(const std::string& name) const;
  void CheckCandidates();
  void ArmCheckTimer();
  void ArmRescanTimer();
  void WatchFolder(const std::string& name);
  void UnwatchFolder(const std::string& name);

  asio::io_context& io_;
  InboxWatcherOptions options_;
  Clock& clock_;
  ItemHandler on_item_;

  int inotify_fd_ = -1;
  std::unique_ptr<asio::posix::stream_descriptor> stream_;
  std::vector<char> event_buffer_;
  int inbox_wd_ = -1;
  std::map<int, std::string> folder_by_wd_;  // watches on item folders
  std::map<std::string, int> wd_by_folder_;

  std::map<std::string, Candidate> candidates_;
  // Folders handed over once although loa cannot read them, by the
  // signature they had then: not offered again (nor logged again at every
  // rescan) until their permissions or contents change.
  std::map<std::string, std::string> unreadable_;
  std::set<std::string> warned_;  // names already reported as "not an item"
  asio::steady_timer check_timer_;
  bool check_armed_ = false;
  asio::steady_timer rescan_timer_;
  bool running_ = false;
  // Guards callbacks that outlive Stop() (queued handlers hold a weak copy).
  std::shared_ptr<bool> alive_;
};

}  // namespace loa
