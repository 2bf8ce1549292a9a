#include "queue/delivery_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/time.h"

namespace loa {

namespace {

nlohmann::ordered_json TextOrNull(const std::string& s) {
  if (s.empty()) return nullptr;
  return s;
}

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

Result<std::unique_ptr<DeliveryLog>> DeliveryLog::Open(const std::filesystem::path& path) {
  // O_APPEND: each write lands at the end even if an operator's tool (or a
  // second loa by mistake) appends too, so lines never overwrite each other.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error{"cannot open delivery log " + path.string() + ": " + ErrnoText(errno)};
  }
  return std::unique_ptr<DeliveryLog>(new DeliveryLog(fd));
}

DeliveryLog::~DeliveryLog() { ::close(fd_); }

Status DeliveryLog::Append(const std::string& item_id, const std::string& channel,
                           const AttemptRecord& record) {
  nlohmann::ordered_json j;
  j["ts"] = FormatUtc(record.ended_at, /*with_millis=*/true);
  j["item"] = item_id;
  j["channel"] = channel;
  j["attempt"] = record.number;
  j["outcome"] = record.outcome;
  // Takedown tries share the outcome names retry and failed with publishing
  // tries; this key tells them apart (publishing lines keep the original keys).
  if (record.action == AttemptAction::kRetract) j["action"] = "retract";
  j["remote_id"] = TextOrNull(record.remote_id);
  j["url"] = TextOrNull(record.remote_url);
  j["http_status"] = record.http_status == 0 ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(record.http_status);
  j["latency_ms"] = record.latency_ms;
  j["error"] = TextOrNull(record.error);
  // Invalid UTF-8 from a platform's error text must not cost us the line.
  std::string line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  line.push_back('\n');

  std::lock_guard lock(mu_);
  // One write() per line: with O_APPEND a reader (or a crash) sees whole
  // lines, never two attempts interleaved.
  ssize_t n;
  do {
    n = ::write(fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error{"cannot write delivery log: " + ErrnoText(errno)};
  if (static_cast<size_t>(n) != line.size()) {
    return Error{"short write to delivery log (" + std::to_string(n) + " of " +
                 std::to_string(line.size()) + " bytes, disk full?)"};
  }
  // The Office's reports are built from this file: a line the daemon
  // reported must survive a power cut.
  if (::fdatasync(fd_) != 0) return Error{"cannot sync delivery log: " + ErrnoText(errno)};
  return Ok{};
}

}  // namespace loa
