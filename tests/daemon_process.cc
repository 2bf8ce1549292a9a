#include "tests/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace loa::fakes {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(25ms);
  }
  return true;
}

std::string ReadFileText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

DaemonProcess::DaemonProcess(const fs::path& binary, const fs::path& cwd, const fs::path& config,
                             const fs::path& log)
    : log_(log) {
  // Everything the child needs is prepared before fork(): the fakes' server
  // threads are running, so the child may only call async-signal-safe code.
  std::vector<std::string> args = {binary.string(), "daemon", "--config", config.string()};
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("NOTIFY_SOCKET=", 0) == 0 || kv.rfind("CREDENTIALS_DIRECTORY=", 0) == 0) {
      continue;
    }
    env.push_back(kv);
  }
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string cwd_s = cwd.string();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (fd < 0 || ::chdir(cwd_s.c_str()) != 0) ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (fd >= 0) ::close(fd);
}

DaemonProcess::~DaemonProcess() {
  if (running()) Kill();
}

bool DaemonProcess::running() {
  CheckExited();
  return pid_ > 0 && exit_code_ == kRunning;
}

void DaemonProcess::CheckExited() {
  if (pid_ <= 0 || exit_code_ != kRunning) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

bool DaemonProcess::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil([&] { return !running() || Log().find("loa ready") != std::string::npos; },
                   limit) &&
         running();
}

int DaemonProcess::Stop(int signo, std::chrono::milliseconds limit) {
  if (!running()) return exit_code_;
  ::kill(pid_, signo);
  PollUntil([&] { return !running(); }, limit);
  return running() ? -1 : exit_code_;
}

void DaemonProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  exit_code_ = r == pid_ && WIFEXITED(status) ? WEXITSTATUS(status) : 128 + SIGKILL;
}

}  // namespace loa::fakes
