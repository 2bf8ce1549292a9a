// One daemon per state folder. Two daemons on one database would each take
// the other's `sending` deliveries for crashed ones at start and send them
// again; the lock makes the second one refuse to start instead.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>

#include "base/result.h"

namespace loa {

class InstanceLock {
 public:
  // Takes an exclusive flock(2) on `path` without waiting (the file is
  // created 0640 when missing) and writes this process's pid into it. The
  // kernel drops the lock when the process dies, however it dies, so a file
  // left by a killed daemon never blocks a restart. When another process
  // holds the lock, `held_by_other` is set and the error names its pid.
  static Result<std::unique_ptr<InstanceLock>> Acquire(const std::filesystem::path& path,
                                                       bool& held_by_other);
  ~InstanceLock();  // releases the lock (the file stays)
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace loa
