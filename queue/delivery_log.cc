#include "queue/delivery_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/time.h"

namespace loa {

namespace {

nlohmann::ordered_json TextOrNull(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// How much of the file's end is read to find its last seq: the first window
// holds hundreds of lines; it grows only past lines that are not loa's (an
// operator's edit, a torn write), up to a bound that keeps start-up fast.
constexpr off_t kFirstTailWindow = 64 * 1024;
constexpr off_t kMaxTailWindow = 16 * 1024 * 1024;
// Rows read from the store per query while catching up.
constexpr int kCatchUpBatch = 256;

struct Tail {
  std::optional<int64_t> seq;  // nullopt: the file's lines carry no seq
  bool partial = false;        // the file does not end with a newline
};

Status ReadAt(int fd, off_t offset, size_t size, std::string& out) {
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{ErrnoText(errno)};
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return Ok{};
}

// The seq of the last complete line that has one. A line that is not JSON
// (a torn write, an edit) is passed over; a JSON line without seq means the
// file was written by a loa that numbered nothing.
Result<Tail> ReadTail(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error{ErrnoText(errno)};
  const off_t size = st.st_size;
  Tail tail;
  if (size == 0) {
    tail.seq = 0;
    return tail;
  }
  std::string buf;
  for (off_t window = kFirstTailWindow;; window *= 4) {
    const off_t offset = std::max<off_t>(0, size - window);
    if (Status read = ReadAt(fd, offset, static_cast<size_t>(size - offset), buf); !read.ok()) {
      return Error{read.error()};
    }
    if (buf.empty()) return Error{"the file shrank while it was read"};
    tail.partial = buf.back() != '\n';
    // Complete lines only: what follows the last newline is a torn write,
    // and what precedes the first one may be cut by the window.
    size_t end = buf.rfind('\n');
    const size_t first = offset == 0 ? 0 : buf.find('\n') + 1;
    while (end != std::string::npos && end > first) {
      size_t begin = buf.rfind('\n', end - 1);
      begin = begin == std::string::npos || begin < first ? first : begin + 1;
      auto j = nlohmann::json::parse(buf.begin() + static_cast<std::ptrdiff_t>(begin),
                                     buf.begin() + static_cast<std::ptrdiff_t>(end), nullptr,
                                     /*allow_exceptions=*/false);
      if (j.is_object()) {
        auto seq = j.find("seq");
        if (seq != j.end() && seq->is_number_integer()) {
          tail.seq = seq->get<int64_t>();
        }
        return tail;  // a line without seq: tail.seq stays unknown
      }
      if (begin == first) break;
      end = begin - 1;
    }
    if (offset == 0) {
      tail.seq = 0;  // nothing of loa's in the file: every row is missing
      return tail;
    }
    if (window >= kMaxTailWindow) return tail;  // give up: treat as unnumbered
  }
}

}  // namespace

Result<std::unique_ptr<DeliveryLog>> DeliveryLog::Open(const std::filesystem::path& path) {
  std::unique_ptr<DeliveryLog> log(new DeliveryLog(path));
  if (Status opened = log->EnsureOpen(); !opened.ok()) {
    LogError("delivery log: " + opened.error() +
             "; lines are written once it can be opened (the store keeps every attempt)");
  }
  return log;
}

DeliveryLog::~DeliveryLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status DeliveryLog::EnsureOpen() {
  if (fd_ >= 0) return Ok{};
  // O_APPEND: each write lands at the end even if an operator's tool appends
  // too, so lines never overwrite each other. Read access finds the last seq.
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Error{"cannot open " + path_.string() + ": " + ErrnoText(errno)};
  Result<Tail> tail = ReadTail(fd);
  if (!tail.ok()) {
    ::close(fd);
    return Error{"cannot read the end of " + path_.string() + ": " + tail.error()};
  }
  fd_ = fd;
  // After Reopen() the lines up to last_seq_ are in the moved-away file: a
  // fresh (or unnumbered) file continues from there, not from the start.
  if (!last_seq_ || (tail->seq && *tail->seq > *last_seq_)) last_seq_ = tail->seq;
  needs_newline_ = tail->partial;
  return Ok{};
}

Status DeliveryLog::Reopen() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  needs_newline_ = false;
  return EnsureOpen();
}

std::string DeliveryLog::FormatLine(const AttemptRow& row) {
  const AttemptRecord& record = row.record;
  nlohmann::ordered_json j;
  j["ts"] = FormatUtc(record.ended_at, /*with_millis=*/true);
  j["item"] = row.post_id;
  j["channel"] = row.channel;
  // The revision of the item the row was about, and its title: what a
  // report built from this file names (the rows hold both, so a rebuilt
  // file has them too). Rows not read from a store have none.
  if (row.revision > 0) {
    j["revision"] = row.revision;
    j["title"] = row.title;
  }
  j["attempt"] = record.number;
  j["outcome"] = AttemptOutcomeName(record.outcome);
  // Takedown tries share the outcome names retry and failed with publishing
  // tries; this key tells them apart (publishing lines keep the original keys).
  if (record.action == AttemptAction::kRetract) j["action"] = "retract";
  j["remote_id"] = TextOrNull(record.remote_id);
  j["url"] = TextOrNull(record.remote_url);
  j["http_status"] = record.http_status == 0 ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(record.http_status);
  j["latency_ms"] = record.latency_ms;
  j["error"] = TextOrNull(record.error);
  // An operator's move says so; loa's own lines keep the shape they always
  // had (readers of older files see no new key).
  if (record.actor == Actor::kOperator) j["actor"] = ActorName(record.actor);
  j["seq"] = row.seq;
  // Invalid UTF-8 from a platform's error text must not cost us the line.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Status DeliveryLog::WriteLine(const std::string& line) {
  const std::string prefix = needs_newline_ ? "\n" : "";
  const std::string data = prefix + line + "\n";
  // One write() per line: with O_APPEND a reader (or a crash) sees whole
  // lines, never two attempts interleaved.
  ssize_t n;
  do {
    n = ::write(fd_, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error{"cannot write " + path_.string() + ": " + ErrnoText(errno)};
  if (static_cast<size_t>(n) != data.size()) {
    // Part of the line is in the file: the next write starts a fresh line.
    const size_t got = static_cast<size_t>(n);
    if (got > prefix.size()) needs_newline_ = true;
    if (got == prefix.size()) needs_newline_ = false;  // only the newline went out
    return Error{"short write to " + path_.string() + " (" + std::to_string(n) + " of " +
                 std::to_string(data.size()) + " bytes, disk full?)"};
  }
  needs_newline_ = false;
  return Ok{};
}

Result<int> DeliveryLog::CatchUp(Store& store) {
  std::lock_guard lock(mu_);
  if (Status opened = EnsureOpen(); !opened.ok()) return Error{opened.error()};
  if (!last_seq_) {
    Result<int64_t> latest = store.LastAttemptSeq();
    if (!latest.ok()) return Error{"delivery log: " + latest.error()};
    last_seq_ = *latest;
    LogWarning(path_.string() + " ends with lines without \"seq\" (an older loa): lines are " +
               "added from attempt " + std::to_string(*latest + 1) + " on");
  }
  int written = 0;
  Status status = Ok{};
  for (bool more = true; more && status.ok();) {
    Result<std::vector<AttemptRow>> rows = store.AttemptsAfter(*last_seq_, kCatchUpBatch);
    if (!rows.ok()) {
      status = Error{rows.error()};
      break;
    }
    more = rows->size() == static_cast<size_t>(kCatchUpBatch);
    for (const AttemptRow& row : *rows) {
      status = WriteLine(FormatLine(row));
      if (!status.ok()) break;
      last_seq_ = row.seq;
      ++written;
    }
  }
  // The Office's reports are built from this file: a line the daemon
  // reported must survive a power cut.
  if (written > 0 && ::fdatasync(fd_) != 0 && status.ok()) {
    status = Error{"cannot sync " + path_.string() + ": " + ErrnoText(errno)};
  }
  if (!status.ok()) return Error{status.error()};
  return written;
}

}  // namespace loa
