#include "daemon/alert_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/time.h"

namespace loa {

namespace {

using SteadyClock = std::chrono::steady_clock;

// How often a running command is looked at for its end, its deadline and a
// cancel: short against a command's timeout, long against a busy loop.
constexpr int kPollMs = 10;

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::string Describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "ended abnormally";
}

// Blocks SIGPIPE on the calling thread for its lifetime: a write to a
// program that closed its stdin fails with EPIPE instead of killing loa.
// A SIGPIPE left pending by such a write is taken before unblocking.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~NoSigpipe() {
    const timespec zero{};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_;
  sigset_t old_;
};

}  // namespace

Status RunAlertCommand(const std::vector<std::string>& argv, const std::string& input,
                       Millis timeout, const std::atomic<bool>& cancel) {
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    return Error{"the alert command must start with an absolute path"};
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  NoSigpipe no_sigpipe;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error{std::string("pipe: ") + std::strerror(errno)};
  Fd read_end{fds[0]};
  Fd write_end{fds[1]};
  Fd null{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  if (null.fd < 0) return Error{std::string("/dev/null: ") + std::strerror(errno)};

  const pid_t pid = ::fork();
  if (pid < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(read_end.fd, 0) < 0 || ::dup2(null.fd, 1) < 0 || ::dup2(null.fd, 2) < 0) {
      ::_exit(126);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here: no window where a kill misses it
  read_end.Close();
  null.Close();
  ::fcntl(write_end.fd, F_SETFL, O_NONBLOCK);

  const auto deadline = SteadyClock::now() + timeout;
  auto expired = [&] { return cancel.load() || SteadyClock::now() >= deadline; };
  size_t written = 0;
  std::string problem;
  while (written < input.size() && !expired()) {
    pollfd p{write_end.fd, POLLOUT, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    ssize_t n = ::write(write_end.fd, input.data() + written, input.size() - written);
    if (n > 0) {
      written += static_cast<size_t>(n);
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      // It closed its stdin: its exit status says whether that was fine.
      break;
    }
  }
  write_end.Close();

  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return Error{std::string("waitpid: ") + std::strerror(errno)};
    if (expired()) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return Error{cancel.load()
                       ? "killed: loa is stopping"
                       : "killed after " + FormatDuration(timeout) + " without finishing"};
    }
    ::poll(nullptr, 0, kPollMs);
  }
  // A child that could not start the program says so through its status.
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return Error{"cannot run " + argv[0] + " (exit status 127: not found or not executable)"};
  }
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) return Error{Describe(status)};
  return Ok{};
}

}  // namespace loa
