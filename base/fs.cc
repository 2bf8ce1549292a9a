#include "base/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "base/clock.h"
#include "base/time.h"

namespace loa {

namespace {
std::string Errno(const std::string& what, const fs::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

Status FsyncPath(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Error{Errno("cannot open", p)};
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error{Errno("cannot fsync", p)};
  return Ok{};
}
}  // namespace

Result<std::string> ReadFile(const fs::path& path, size_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) {
    return Error{path.string() + " is not a regular file"};
  }
  auto size = fs::file_size(path, ec);
  if (ec) return Error{"cannot read " + path.string() + ": " + ec.message()};
  if (size > max_bytes) {
    return Error{path.string() + " is " + std::to_string(size) + " bytes, more than the limit of " +
                 std::to_string(max_bytes)};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errno("cannot open", path)};
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<size_t>(in.gcount()) != size) return Error{"short read of " + path.string()};
  return data;
}

Result<AtomicFileWriter> AtomicFileWriter::Create(const fs::path& path, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error{Errno("cannot create", tmp)};
  return AtomicFileWriter(path, std::move(tmp), fd);
}

AtomicFileWriter::AtomicFileWriter(fs::path path, fs::path tmp, int fd)
    : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)), tmp_(std::move(other.tmp_)), fd_(other.fd_) {
  other.fd_ = -1;
}

AtomicFileWriter::~AtomicFileWriter() { Abandon(); }

void AtomicFileWriter::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
}

Status AtomicFileWriter::Write(std::string_view data) {
  if (fd_ < 0) return Error{"cannot write " + tmp_.string() + ": already closed"};
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string msg = Errno("cannot write", tmp_);
      Abandon();
      return Error{msg};
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Ok{};
}

Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return Error{"cannot commit " + tmp_.string() + ": already closed"};
  int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    std::string msg = Errno("cannot flush", tmp_);
    ::close(fd);
    ::unlink(tmp_.c_str());
    return Error{msg};
  }
  if (::close(fd) != 0) {
    std::string msg = Errno("cannot close", tmp_);
    ::unlink(tmp_.c_str());
    return Error{msg};
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::string msg = Errno("cannot rename to", path_);
    ::unlink(tmp_.c_str());
    return Error{msg};
  }
  fs::path dir = path_.parent_path().empty() ? fs::path(".") : path_.parent_path();
  return FsyncPath(dir, O_RDONLY | O_DIRECTORY);
}

Status WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode) {
  auto file = AtomicFileWriter::Create(path, mode);
  if (!file.ok()) return Error{file.error()};
  if (auto written = file->Write(data); !written.ok()) return written;
  return file->Commit();
}

Status SyncFolder(const fs::path& dir) { return FsyncPath(dir, O_RDONLY | O_DIRECTORY); }

Result<fs::path> MoveIntoFolder(const fs::path& from, const fs::path& to_dir, TimePoint now,
                                const fs::path& wanted_name, bool sync_folder) {
  if (auto st = EnsureDir(to_dir); !st.ok()) return Error{st.error()};
  fs::path name = wanted_name.empty() ? from.filename() : wanted_name;
  fs::path target = to_dir / name;
  // A folder item keeps its whole name; a file item keeps its extension.
  bool is_dir = fs::is_directory(fs::symlink_status(from));
  std::string stem = is_dir ? name.string() : name.stem().string();
  std::string ext = is_dir ? "" : name.extension().string();
  std::string stamp = FormatUtc(now, false);
  std::string compact;
  for (char c : stamp) {
    if (c != '-' && c != ':' && c != 'Z') compact += c;
  }
  for (int n = 0; n < 1000; ++n) {
    if (n > 0) {
      target = to_dir / (stem + "-" + compact + (n > 1 ? "-" + std::to_string(n) : "") + ext);
    }
    // renameat2(RENAME_NOREPLACE) makes "never overwrite" atomic.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
      if (sync_folder) (void)SyncFolder(to_dir);
      return target;
    }
    if (errno != EEXIST) return Error{Errno("cannot move " + from.string() + " to", target)};
  }
  return Error{"cannot find a free name for " + from.string() + " in " + to_dir.string()};
}

Status EnsureDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{"cannot create folder " + dir.string() + ": " + ec.message()};
  return Ok{};
}

bool StaysInside(const fs::path& base, const fs::path& relative) {
  if (relative.empty() || relative.is_absolute()) return false;
  fs::path norm = relative.lexically_normal();
  if (norm.empty()) return false;
  auto first = *norm.begin();
  return first != ".." && first != "." && !base.empty();
}

std::string Trim(std::string_view s) {
  const char* ws = " \t\r\n\v\f";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace loa
