#include "tests/notify_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace loa::fakes {

NotifySocket::NotifySocket(const std::filesystem::path& path) : path_(path) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd_ < 0 || path.string().size() >= sizeof addr.sun_path) return;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

NotifySocket::~NotifySocket() {
  if (fd_ >= 0) ::close(fd_);
}

const std::vector<std::string>& NotifySocket::Receive() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    messages_.emplace_back(buf, static_cast<size_t>(n));
  }
  return messages_;
}

std::string NotifySocket::Drain() {
  std::string all;
  for (const auto& m : Receive()) all += m + "\n";
  return all;
}

int NotifySocket::Find(const std::string& what, size_t from) {
  Receive();
  for (size_t i = from; i < messages_.size(); ++i) {
    if (messages_[i].find(what) != std::string::npos) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace loa::fakes
