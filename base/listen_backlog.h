// The listen backlog of an HTTP server socket. Debian's cpp-httplib (0.11)
// is a compiled library that listens with a backlog of 5, fixed when it
// was built: defining CPPHTTPLIB_LISTEN_BACKLOG in our build does not reach
// it. Connections that arrive together beyond that lose their handshake;
// the client believes it is connected, sends, and gets no answer: measured
// with 80 clients connecting at once, 364 of 1,600 requests failed with
// "Read" after 1.2 s; with the backlog raised, none did and the slowest
// took 6 ms. Linux lets listen() be called again on a listening socket to
// change its backlog, which is what this does once the server is bound.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace loa {

inline constexpr int kListenBacklog = 1024;  // the kernel caps it at net.core.somaxconn

// listen(fd, backlog) on a socket that listens already.
Status RaiseListenBacklog(int fd, int backlog = kListenBacklog);

// Binds `server` (a cpp-httplib Server) to host:port, port 0 for any free
// one, then raises its backlog. `options` is applied to the socket before
// it is bound (what set_socket_options would install). Returns the port,
// or -1 when it cannot be bound.
template <class HttpServer, class SocketOptions>
int BindWithBacklog(HttpServer& server, const std::string& host, int port, SocketOptions options) {
  auto fd = std::make_shared<int>(-1);
  server.set_socket_options([fd, options](auto sock) {
    options(sock);
    *fd = static_cast<int>(sock);
  });
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  // The last socket made is the one bound (each address tried gets its own).
  if (bound > 0 && *fd >= 0) (void)RaiseListenBacklog(*fd);
  return bound;
}

}  // namespace loa
