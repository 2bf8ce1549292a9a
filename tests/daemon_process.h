// One run of the real `loa daemon` binary as a child process, for tests that
// drive it from outside as systemd and editors do: started on a config,
// watched through its log, stopped with a signal or killed outright.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace loa::fakes {

// Waits for `done` with short sleeps; false after `limit`. For waiting on a
// child process, which runs on the real clock.
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20));

std::string ReadFileText(const std::filesystem::path& path);

class DaemonProcess {
 public:
  // Starts `binary daemon --config config` in `cwd`, stdout and stderr into
  // `log` (truncated). NOTIFY_SOCKET and CREDENTIALS_DIRECTORY are taken out
  // of the environment.
  DaemonProcess(const std::filesystem::path& binary, const std::filesystem::path& cwd,
                const std::filesystem::path& config, const std::filesystem::path& log);
  // Kills the child if it still runs.
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  std::string Log() const { return ReadFileText(log_); }

  // Waits for the "loa ready" line; false if the daemon exited or took too long.
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Sends `signo` and waits for the exit code (128 + signal when killed by
  // one; -1 if it did not exit within `limit`).
  int Stop(int signo, std::chrono::milliseconds limit = std::chrono::seconds(15));
  // SIGKILL, then waits until the process is gone (no limit: a SIGKILL
  // cannot be refused), so that a successor never overlaps with it.
  void Kill();

 private:
  static constexpr int kRunning = -1000;
  void CheckExited();

  std::filesystem::path log_;
  pid_t pid_ = -1;
  int exit_code_ = kRunning;
};

}  // namespace loa::fakes
