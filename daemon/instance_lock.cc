#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace loa {

namespace {

std::string ErrnoText(const std::string& what, const std::filesystem::path& p, int err) {
  return what + " " + p.string() + ": " + std::strerror(err);
}

// The holder writes its pid right after it takes the lock; a reader racing
// that moment retries briefly before calling the pid unknown.
std::string ReadHolderPid(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    char buf[32];
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid;
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pid += buf[i];
    if (!pid.empty() && n > 0 && buf[n - 1] == '\n') return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(const std::filesystem::path& path,
                                                            bool& held_by_other) {
  held_by_other = false;
  // O_NOFOLLOW: a symlink planted in the state folder cannot make loa
  // truncate some other file.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
  if (fd < 0) return Error{ErrnoText("cannot open the lock file", path, errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return Error{ErrnoText("cannot lock", path, err)};
    }
    held_by_other = true;
    std::string pid = ReadHolderPid(fd);
    ::close(fd);
    return Error{"another loa daemon (" +
                 (pid.empty() ? std::string("pid unknown") : "pid " + pid) +
                 ") is running on the state folder " + path.parent_path().string() + " (it holds " +
                 path.string() + "); stop it first, or give this one its own state_dir"};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int err = errno;
    ::close(fd);
    return Error{ErrnoText("cannot write the pid into", path, err)};
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd));
}

InstanceLock::~InstanceLock() { ::close(fd_); }

}  // namespace loa
