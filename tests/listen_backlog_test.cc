// base/listen_backlog.h: a server bound with BindWithBacklog completes many
// simultaneous handshakes before its accept loop has taken any, where
// httplib's own backlog of 5 leaves the rest waiting about a second.
#include "base/listen_backlog.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

namespace loa {
namespace {

// Starts `n` non-blocking connects to 127.0.0.1:port and counts those the
// kernel completes within `within` (none is accepted by the server).
int HandshakesCompleted(int port, int n, std::chrono::milliseconds within) {
  std::vector<pollfd> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fds.push_back({fd, POLLOUT, 0});
  }
  int completed = 0;
  const auto deadline = std::chrono::steady_clock::now() + within;
  std::vector<bool> done(fds.size(), false);
  while (completed < n && std::chrono::steady_clock::now() < deadline) {
    ::poll(fds.data(), fds.size(), 10);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (done[i] || !(fds[i].revents & POLLOUT)) continue;
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) ++completed;
      done[i] = true;
      fds[i].events = 0;
    }
  }
  for (const pollfd& p : fds) ::close(p.fd);
  return completed;
}

TEST(ListenBacklogTest, ManySimultaneousHandshakesCompleteBeforeAnyAccept) {
  constexpr int kClients = 64;
  httplib::Server plain;
  const int plain_port = plain.bind_to_any_port("127.0.0.1");
  ASSERT_GT(plain_port, 0);
  // httplib's own backlog: most handshakes wait (this shows the test can fail).
  EXPECT_LT(HandshakesCompleted(plain_port, kClients, std::chrono::milliseconds(300)), kClients);

  httplib::Server wide;
  const int port = BindWithBacklog(wide, "127.0.0.1", 0, httplib::default_socket_options);
  ASSERT_GT(port, 0);
  EXPECT_EQ(HandshakesCompleted(port, kClients, std::chrono::milliseconds(300)), kClients);
}

}  // namespace
}  // namespace loa
