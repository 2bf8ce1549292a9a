// deliveries.jsonl: one JSON object per attempt, appended after the attempt's
// outcome is committed to the store.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "queue/delivery.h"

namespace loa {

class DeliveryLog {
 public:
  static Result<std::unique_ptr<DeliveryLog>> Open(const std::filesystem::path& path);
  ~DeliveryLog();

  // {"ts","item","channel","attempt","outcome","remote_id","url",
  //  "http_status","latency_ms","error"}; empty strings and 0 status are null.
  Status Append(const std::string& item_id, const std::string& channel,
                const AttemptRecord& record);

 private:
  explicit DeliveryLog(int fd) : fd_(fd) {}
  int fd_;
  std::mutex mu_;
};

}  // namespace loa
