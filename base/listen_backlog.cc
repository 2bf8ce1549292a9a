#include "base/listen_backlog.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace loa {

Status RaiseListenBacklog(int fd, int backlog) {
  if (::listen(fd, backlog) != 0) {
    return Error{std::string("cannot raise the listen backlog: ") + std::strerror(errno)};
  }
  return Ok{};
}

}  // namespace loa
