#include "tests/loa_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "tests/test_files.h"

extern char** environ;

namespace loa::fakes {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

int OpenOutput(const fs::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

bool IsSystemdVariable(const std::string& entry) {
  for (const char* prefix :
       {"NOTIFY_SOCKET=", "CREDENTIALS_DIRECTORY=", "JOURNAL_STREAM=", "WATCHDOG_"}) {
    if (entry.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(25ms);
  }
  return true;
}

LoaCommand::LoaCommand(fs::path binary, std::vector<std::string> args, fs::path cwd, fs::path out)
    : binary(std::move(binary)), args(std::move(args)), cwd(std::move(cwd)), out(std::move(out)) {}

LoaCommand DaemonCommand(const fs::path& binary, const fs::path& cwd, const fs::path& config,
                         const fs::path& log) {
  return LoaCommand(binary, {"daemon", "--config", config.string()}, cwd, log);
}

std::vector<std::string> AsNobody() {
  return {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
}

LoaProcess::LoaProcess(LoaCommand command) : out_(command.out) {
  // Everything the child needs is prepared before fork(): other threads (the
  // fakes' servers) may be running, so the child may only call
  // async-signal-safe code.
  std::vector<std::string> args = command.wrapper;
  args.push_back(command.binary.string());
  args.insert(args.end(), command.args.begin(), command.args.end());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (!IsSystemdVariable(*e)) env.push_back(*e);
  }
  env.insert(env.end(), command.env.begin(), command.env.end());
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = command.cwd.string();
  const int out = OpenOutput(command.out);
  const int err = command.err.empty() ? out : OpenOutput(command.err);
  const bool set_umask = command.umask.has_value();
  const mode_t umask = command.umask.value_or(0);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (out < 0 || err < 0 || ::chdir(cwd.c_str()) != 0) ::_exit(127);
    if (set_umask) ::umask(umask);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (out >= 0) ::close(out);
  if (err >= 0 && err != out) ::close(err);
}

LoaProcess::~LoaProcess() {
  if (running()) Kill();
}

bool LoaProcess::running() {
  CheckExited();
  return pid_ > 0 && exit_code_ == kRunning;
}

std::string LoaProcess::Log() const { return ReadText(out_); }

void LoaProcess::CheckExited() {
  if (pid_ <= 0 || exit_code_ != kRunning) return;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
}

bool LoaProcess::WaitReady(std::chrono::milliseconds limit) {
  return PollUntil([&] { return !running() || Log().find("loa ready") != std::string::npos; },
                   limit) &&
         running();
}

int LoaProcess::Wait(std::chrono::milliseconds limit) {
  PollUntil([&] { return !running(); }, limit);
  return running() ? -1 : exit_code_;
}

int LoaProcess::Stop(int signo, std::chrono::milliseconds limit) {
  if (running()) ::kill(pid_, signo);
  return Wait(limit);
}

void LoaProcess::Kill() {
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
