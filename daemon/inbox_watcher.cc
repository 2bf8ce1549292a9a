#include "daemon/inbox_watcher.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/log.h"
#include "base/text.h"
#include "base/time.h"

namespace loa {

namespace {

constexpr uint32_t kInboxMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;
constexpr uint32_t kFolderMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;
// Signature of a folder loa cannot read (followed by its mode and ctime).
constexpr std::string_view kUnreadableSignature = "unreadable:";

// A folder item is read whole; one with more entries than this is still
// handed over (the parser rejects it) rather than stat'ed without end.
constexpr size_t kMaxFolderEntries = 10000;

std::string StatSignature(const fs::directory_entry& entry) {
  std::error_code ec;
  auto status = entry.symlink_status(ec);
  if (ec) return "?";
  if (fs::is_symlink(status)) return "l";
  if (fs::is_directory(status)) return "d";
  auto size = entry.file_size(ec);
  auto mtime = entry.last_write_time(ec);
  return std::to_string(ec ? -1 : static_cast<int64_t>(size)) + "@" +
         std::to_string(mtime.time_since_epoch().count());
}

// What must stay unchanged for an item to count as completely dropped:
// size and mtime of the file, or of every file in the folder. No value for a
// folder that does not hold post.json yet.
std::optional<std::string> ItemSignature(const fs::path& path, bool is_folder) {
  std::error_code ec;
  if (!is_folder) return StatSignature(fs::directory_entry(path, ec));
  // A folder loa cannot read will never show a post.json: it is handed over
  // (the parser says why it cannot be read) once it stops changing.
  FileProbe post = ProbeFile(path / "post.json");
  if (std::string error = FolderReadError(path);
      !error.empty() || post.kind == FileKind::kUnreadable) {
    struct stat st {};
    std::string stamp = ::lstat(path.c_str(), &st) == 0
                            ? std::to_string(st.st_mode) + "@" + std::to_string(st.st_ctim.tv_sec) +
                                  "." + std::to_string(st.st_ctim.tv_nsec)
                            : "?";
    return std::string(kUnreadableSignature) + stamp;
  }
  if (post.kind == FileKind::kMissing) return std::nullopt;
  std::vector<std::string> parts;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (parts.size() >= kMaxFolderEntries) break;
    parts.push_back(it->path().lexically_relative(path).string() + "=" + StatSignature(*it));
  }
  if (ec) parts.push_back("error:" + ec.message());
  std::sort(parts.begin(), parts.end());
  std::string sig;
  for (const auto& p : parts) sig += p + "\n";
  return sig;
}

}  // namespace

InboxWatcher::InboxWatcher(asio::io_context& io, InboxWatcherOptions options, Clock& clock,
                           ItemHandler on_item)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      on_item_(std::move(on_item)),
      event_buffer_(64 * 1024),
      check_timer_(io),
      rescan_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

InboxWatcher::~InboxWatcher() { Stop(); }

Status InboxWatcher::Start() {
  if (running_) return Ok{};
  std::error_code ec;
  if (!fs::is_directory(options_.inbox, ec)) {
    return Error{"inbox " + Quoted(options_.inbox.string()) + " is not a folder"};
  }
  running_ = true;
  // Without inotify (instance limit reached, or a file system that does not
  // support it) the periodic rescan still finds every item, only later.
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    LogWarning(std::string("cannot start inotify (") + std::strerror(errno) +
               "); the inbox is only rescanned every " + FormatDuration(options_.rescan_interval));
  } else {
    int wd = ::inotify_add_watch(fd, options_.inbox.c_str(), kInboxMask);
    if (wd < 0) {
      LogWarning("cannot watch inbox " + Quoted(options_.inbox.string()) + " (" +
                 std::strerror(errno) + "); it is only rescanned every " +
                 FormatDuration(options_.rescan_interval));
      ::close(fd);
    } else {
      inotify_fd_ = fd;
      inbox_wd_ = wd;
      stream_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
      ReadEvents();
    }
  }
  Rescan();
  ArmRescanTimer();
  return Ok{};
}

void InboxWatcher::Stop() {
  if (!running_) return;
  running_ = false;
  check_timer_.cancel();
  rescan_timer_.cancel();
  check_armed_ = false;
  if (stream_) {
    boost::system::error_code ec;
    stream_->cancel(ec);
    stream_->close(ec);  // closes the inotify fd and with it every watch
    stream_.reset();
  }
  inotify_fd_ = -1;
  inbox_wd_ = -1;
  folder_by_wd_.clear();
  wd_by_folder_.clear();
  candidates_.clear();
  unreadable_.clear();
}

void InboxWatcher::Rescan() {
  if (!running_) return;
  std::error_code ec;
  std::set<std::string> present;
  for (fs::directory_iterator it(options_.inbox, ec), end; !ec && it != end; it.increment(ec)) {
    present.insert(it->path().filename().string());
  }
  if (ec) {
    LogWarning("cannot scan inbox " + Quoted(options_.inbox.string()) + ": " + ec.message());
    return;
  }
  // Entries that went away (moved out by someone else) are forgotten.
  std::vector<std::string> gone;
  for (const auto& [name, c] : candidates_) {
    if (!present.count(name)) gone.push_back(name);
  }
  for (const auto& name : gone) {
    candidates_.erase(name);
    UnwatchFolder(name);
  }
  std::erase_if(unreadable_, [&](const auto& entry) { return !present.count(entry.first); });
  for (const auto& name : present) Observe(name);
}

void InboxWatcher::ReadEvents() {
  std::weak_ptr<bool> alive = alive_;
  stream_->async_read_some(
      asio::buffer(event_buffer_),
      [this, alive](const boost::system::error_code& ec, size_t bytes) {
        if (alive.expired() || !running_) return;
        if (ec) {
          if (ec != asio::error::operation_aborted) {
            LogError("inbox watch failed: " + ec.message() + "; relying on the periodic rescan");
          }
          return;
        }
        HandleEventBuffer(bytes);
        if (running_) ReadEvents();
      });
}

void InboxWatcher::HandleEventBuffer(size_t bytes) {
  std::set<std::string> touched;
  bool overflow = false;
  size_t offset = 0;
  while (offset + sizeof(inotify_event) <= bytes) {
    inotify_event ev;
    std::memcpy(&ev, event_buffer_.data() + offset, sizeof ev);
    std::string name;
    if (ev.len > 0) {
      const char* p = event_buffer_.data() + offset + sizeof(inotify_event);
      name.assign(p, strnlen(p, ev.len));
    }
    offset += sizeof(inotify_event) + ev.len;

    if (ev.mask & IN_Q_OVERFLOW) {
      overflow = true;
      continue;
    }
    if (ev.wd == inbox_wd_) {
      if (ev.mask & IN_IGNORED) {
        LogError("inbox " + Quoted(options_.inbox.string()) +
                 " is no longer watched (removed or unmounted?); relying on the periodic rescan");
        inbox_wd_ = -1;
        continue;
      }
      if (!name.empty()) touched.insert(name);
      continue;
    }
    auto it = folder_by_wd_.find(ev.wd);
    if (it == folder_by_wd_.end()) continue;
    if (ev.mask & IN_IGNORED) {
      wd_by_folder_.erase(it->second);
      folder_by_wd_.erase(it);
      continue;
    }
    touched.insert(it->second);
  }
  if (overflow) {
    Rescan();
    return;
  }
  for (const auto& name : touched) Observe(name);
}

bool InboxWatcher::IsStatusPage(const std::string& name) const {
  const std::string& page = options_.status_page;
  // AtomicFileWriter (base/fs.h) writes it as PAGE.tmp-PID first.
  return !page.empty() && (name == page || name.starts_with(page + ".tmp-"));
}

void InboxWatcher::Observe(const std::string& name) {
  if (IsIgnoredInboxName(name) || IsStatusPage(name)) return;
  fs::path path = options_.inbox / name;
  std::error_code ec;
  auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    candidates_.erase(name);
    unreadable_.erase(name);
    UnwatchFolder(name);
    return;
  }
  bool is_folder = fs::is_directory(status);
  // A symlink is taken whatever its name, so that it is refused with a
  // report ("symlinks are refused") rather than left without a word.
  if (!is_folder && !fs::is_symlink(status) && AsciiLower(path.extension().string()) != ".json") {
    if (warned_.insert(name).second) {
      LogWarning("inbox: ignoring " + Quoted(name) +
                 ": an item is a NAME.json file or a NAME/ folder holding post.json");
    }
    return;
  }
  if (is_folder) WatchFolder(name);

  auto signature = ItemSignature(path, is_folder);
  if (auto known = unreadable_.find(name); known != unreadable_.end()) {
    if (signature && *signature == known->second) return;  // reported already, unchanged
    unreadable_.erase(known);
  }
  auto [it, inserted] = candidates_.try_emplace(name);
  if (inserted || it->second.signature != signature) {
    it->second.signature = std::move(signature);
    it->second.stable_since = clock_.Now();
  }
  if (it->second.signature) ArmCheckTimer();
}

void InboxWatcher::CheckCandidates() {
  std::vector<std::string> names;
  for (const auto& [name, c] : candidates_) names.push_back(name);
  for (const auto& name : names) {
    Observe(name);  // refreshes the signature, drops what went away
    auto it = candidates_.find(name);
    if (it == candidates_.end() || !it->second.signature) continue;
    if (clock_.Now() - it->second.stable_since < options_.settle_time) continue;
    const std::string signature = *it->second.signature;
    // The handler must not throw (IngestWorker::Offer does not); if it did, the
    // exception would unwind through the event loop and end the daemon.
    bool taken = true;
    try {
      taken = on_item_(options_.inbox / name);
    } catch (const std::exception& e) {
      LogError("inbox: taking " + ShowName(name) + " failed: " + e.what());
    }
    if (!running_) return;
    if (!taken) break;  // still a candidate: offered again at the next look
    if (signature.starts_with(kUnreadableSignature)) unreadable_[name] = signature;
    candidates_.erase(name);
    UnwatchFolder(name);
  }
  for (const auto& [name, c] : candidates_) {
    if (c.signature) {
      ArmCheckTimer();
      break;
    }
  }
}

void InboxWatcher::ArmCheckTimer() {
  if (check_armed_ || !running_) return;
  check_armed_ = true;
  // This timer only re-reads sizes while a drop settles; the injected clock
  // decides when an item has been still long enough.
  Millis tick = std::clamp(options_.settle_time / 4, Millis(10), Millis(250));
  check_timer_.expires_after(tick);
  std::weak_ptr<bool> alive = alive_;
  check_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (alive.expired() || ec || !running_) return;
    check_armed_ = false;
    CheckCandidates();
  });
}

void InboxWatcher::ArmRescanTimer() {
  if (!running_ || options_.rescan_interval <= Millis(0)) return;
  rescan_timer_.expires_after(options_.rescan_interval);
  std::weak_ptr<bool> alive = alive_;
  rescan_timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (alive.expired() || ec || !running_) return;
    Rescan();
    ArmRescanTimer();
  });
}

void InboxWatcher::WatchFolder(const std::string& name) {
  if (inotify_fd_ < 0 || wd_by_folder_.count(name)) return;
  fs::path path = options_.inbox / name;
  int wd = ::inotify_add_watch(inotify_fd_, path.c_str(), kFolderMask | IN_DONT_FOLLOW);
  if (wd < 0) return;  // gone already, or not a folder: the rescan covers it
  // inotify returns the same wd for the same inode; keep the mapping unique.
  if (auto old = folder_by_wd_.find(wd); old != folder_by_wd_.end()) {
    wd_by_folder_.erase(old->second);
  }
  folder_by_wd_[wd] = name;
  wd_by_folder_[name] = wd;
}

void InboxWatcher::UnwatchFolder(const std::string& name) {
  auto it = wd_by_folder_.find(name);
  if (it == wd_by_folder_.end()) return;
  if (inotify_fd_ >= 0) ::inotify_rm_watch(inotify_fd_, it->second);
  folder_by_wd_.erase(it->second);
  wd_by_folder_.erase(it);
}

}  // namespace loa
