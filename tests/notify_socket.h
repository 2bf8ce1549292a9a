// systemd's side of the notify protocol for tests that run the real binary:
// a datagram socket like the manager's, whose path goes into the child's
// $NOTIFY_SOCKET.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace loa::fakes {

class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  // "NOTIFY_SOCKET=<path>", for the child's environment.
  std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }
  // Every message received so far, in order.
  const std::vector<std::string>& Receive();
  // Every message received so far, each followed by a line break.
  std::string Drain();
  // The index of the first message from `from` on holding `what`, or -1.
  int Find(const std::string& what, size_t from = 0);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<std::string> messages_;
};

}  // namespace loa::fakes
