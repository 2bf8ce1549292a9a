// One run of the real `loa` binary as a child process, for tests that drive
// it from outside as editors, administrators and systemd do: started with
// its arguments in a folder, watched through its output, stopped with a
// signal or killed outright.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace loa::fakes {

// Waits for `done` with short sleeps; false after `limit`. For waiting on a
// child process, which runs on the real clock.
bool PollUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(20));

// A loopback port nobody listens on now (the kernel's pick, let go again),
// for a child's listen address. Another process may take it meanwhile: a
// test that needs it starts the child again on a new one when it cannot
// listen.
int FreePort();

// What to run and where its output goes.
struct LoaCommand {
  // `binary args...` in `cwd`, stdout and stderr into `out` (truncated).
  LoaCommand(std::filesystem::path binary, std::vector<std::string> args, std::filesystem::path cwd,
             std::filesystem::path out);

  std::filesystem::path binary;  // the tests' LOA_BINARY
  std::vector<std::string> args;
  std::filesystem::path cwd;
  std::filesystem::path out;
  // When given, stderr goes here (truncated) instead of into `out`.
  std::filesystem::path err;
  // Put before the binary, e.g. AsNobody().
  std::vector<std::string> wrapper;
  // NAME=value entries added to the test's own environment, from which
  // systemd's variables are taken out: the child is never under systemd
  // unless a test says so (NOTIFY_SOCKET here), and writes plain lines.
  std::vector<std::string> env;
  // Set in the child before exec, as a login shell would; else inherited.
  std::optional<mode_t> umask;
};

// `binary daemon --config config` in `cwd`, stdout and stderr into `log`.
LoaCommand DaemonCommand(const std::filesystem::path& binary, const std::filesystem::path& cwd,
                         const std::filesystem::path& config, const std::filesystem::path& log);

// The wrapper that runs loa as nobody:nogroup through setpriv. A test of
// permissions runs loa so when it runs as root, since root reads a file
// whatever its mode.
std::vector<std::string> AsNobody();

class LoaProcess {
 public:
  explicit LoaProcess(LoaCommand command);
  // Kills the child if it still runs.
  ~LoaProcess();
  LoaProcess(const LoaProcess&) = delete;
  LoaProcess& operator=(const LoaProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // What the child wrote to `out`.
  std::string Log() const;

  // Waits for the "loa ready" line; false if the daemon exited or took too long.
  bool WaitReady(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // The exit code (128 + signal when killed by one), -1 if it still runs
  // after `limit`.
  int Wait(std::chrono::milliseconds limit = std::chrono::seconds(20));
  // Sends `signo`, then as Wait.
  int Stop(int signo, std::chrono::milliseconds limit = std::chrono::seconds(15));
  // SIGKILL, then waits until the process is gone (no limit: a SIGKILL
  // cannot be refused), so that a successor never overlaps with it.
  void Kill();

 private:
  static constexpr int kRunning = -1000;
  void CheckExited();

  std::filesystem::path out_;
  pid_t pid_ = -1;
  int exit_code_ = kRunning;
};

}  // namespace loa::fakes
