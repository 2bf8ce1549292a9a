#include "inbox/inbox_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/crypto.h"
#include "base/text.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

FileKind KindOf(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::kRegular;
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  if (S_ISLNK(mode)) return FileKind::kSymlink;
  if (S_ISFIFO(mode)) return FileKind::kFifo;
  if (S_ISSOCK(mode)) return FileKind::kSocket;
  if (S_ISCHR(mode) || S_ISBLK(mode)) return FileKind::kDevice;
  return FileKind::kUnknown;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Length of the longest prefix of `s` of at most `max_bytes` that does not
// split a UTF-8 sequence (ill-formed bytes count as one character each).
size_t Utf8Prefix(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t cut = max_bytes;
  // Step back over continuation bytes to the start of the cut character.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80 && max_bytes - cut < 3) {
    --cut;
  }
  return cut;
}

}  // namespace

FileProbe ProbeFile(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {FileKind::kMissing, ""};
    return {FileKind::kUnreadable, std::strerror(errno)};
  }
  return {KindOf(st.st_mode), ""};
}

const char* FileKindVi(FileKind kind) {
  switch (kind) {
    case FileKind::kMissing:
      return "không tồn tại";
    case FileKind::kRegular:
      return "một tệp thông thường";
    case FileKind::kDirectory:
      return "một thư mục";
    case FileKind::kSymlink:
      return "một liên kết tượng trưng (symlink)";
    case FileKind::kFifo:
      return "một ống dẫn có tên (named pipe, FIFO)";
    case FileKind::kSocket:
      return "một socket";
    case FileKind::kDevice:
      return "một tệp thiết bị (device)";
    case FileKind::kUnknown:
      return "một loại tệp đặc biệt";
    case FileKind::kUnreadable:
      return "không đọc được";
  }
  return "";
}

const char* FileKindEn(FileKind kind) {
  switch (kind) {
    case FileKind::kMissing:
      return "missing";
    case FileKind::kRegular:
      return "a regular file";
    case FileKind::kDirectory:
      return "a folder";
    case FileKind::kSymlink:
      return "a symbolic link";
    case FileKind::kFifo:
      return "a named pipe (FIFO)";
    case FileKind::kSocket:
      return "a socket";
    case FileKind::kDevice:
      return "a device";
    case FileKind::kUnknown:
      return "a special file";
    case FileKind::kUnreadable:
      return "unreadable";
  }
  return "";
}

int OpenInboxFile(const fs::path& path, size_t max_bytes, InboxRead& r) {
  r = InboxRead{};
  // Looked at before opening: opening a device can have effects of its own.
  FileProbe probe = ProbeFile(path);
  if (probe.kind == FileKind::kMissing || probe.kind == FileKind::kUnreadable) {
    r.kind = probe.kind;
    r.error = probe.kind == FileKind::kMissing ? std::strerror(ENOENT) : probe.error;
    return -1;
  }
  if (probe.kind != FileKind::kRegular) {
    r.outcome = InboxRead::Outcome::kNotRegular;
    r.kind = probe.kind;
    return -1;
  }
  // Opened so that whatever was swapped in since can neither be followed
  // nor block: the descriptor is checked again below.
  Fd f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    int err = errno;
    probe = ProbeFile(path);
    if (err == ELOOP || probe.kind == FileKind::kSymlink) {
      r.outcome = InboxRead::Outcome::kNotRegular;
      r.kind = FileKind::kSymlink;
    } else if (err == ENXIO && probe.kind != FileKind::kUnreadable) {
      // open() of a socket fails with ENXIO.
      r.outcome = InboxRead::Outcome::kNotRegular;
      r.kind = probe.kind == FileKind::kMissing ? FileKind::kSocket : probe.kind;
    } else {
      r.kind = err == ENOENT ? FileKind::kMissing : probe.kind;
      r.error = std::strerror(err);
    }
    return -1;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    r.error = std::strerror(errno);
    return -1;
  }
  r.kind = KindOf(st.st_mode);
  if (r.kind != FileKind::kRegular) {
    r.outcome = InboxRead::Outcome::kNotRegular;
    return -1;
  }
  r.size = static_cast<uint64_t>(st.st_size);
  if (r.size > max_bytes) {
    r.outcome = InboxRead::Outcome::kTooLarge;
    return -1;
  }
  r.outcome = InboxRead::Outcome::kOk;
  int fd = f.fd;
  f.fd = -1;  // the caller's now
  return fd;
}

InboxRead CheckInboxFile(const fs::path& path, size_t max_bytes) {
  InboxRead r;
  Fd f{OpenInboxFile(path, max_bytes, r)};
  return r;
}

InboxRead ReadInboxFile(const fs::path& path, size_t max_bytes) {
  InboxRead r;
  Fd f{OpenInboxFile(path, max_bytes, r)};
  if (f.fd < 0) return r;
  r.outcome = InboxRead::Outcome::kCannotRead;
  // The size is a hint, not a bound: a file may still be growing.
  std::string data(static_cast<size_t>(r.size), '\0');
  size_t filled = 0;
  for (;;) {
    if (filled == data.size()) {
      if (data.size() > max_bytes) break;
      data.resize(std::min(data.size() + 64 * 1024, max_bytes + 1));
    }
    ssize_t n = ::read(f.fd, data.data() + filled, data.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = std::strerror(errno);
      return r;
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  data.resize(filled);
  if (filled > max_bytes) {
    r.outcome = InboxRead::Outcome::kTooLarge;
    r.size = filled;
    return r;
  }
  r.size = filled;
  r.data = std::move(data);
  r.outcome = InboxRead::Outcome::kOk;
  return r;
}

std::string FolderReadError(const fs::path& folder) {
  Fd f{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0) return std::strerror(errno);
  // Listing needs read permission, finding a file by name needs search
  // (execute) permission: an item folder needs both.
  if (::faccessat(f.fd, ".", X_OK, AT_EACCESS) != 0) return std::strerror(errno);
  DIR* dir = ::fdopendir(f.fd);
  if (!dir) return std::strerror(errno);
  f.fd = -1;  // owned by `dir` now
  errno = 0;
  std::string error;
  if (::readdir(dir) == nullptr && errno != 0) error = std::strerror(errno);
  ::closedir(dir);
  return error;
}

bool IsIgnoredInboxName(const std::string& name) {
  if (name.empty() || name == "accepted" || name == "rejected") return true;
  if (name[0] == '.' || name[0] == '~') return true;
  std::string lower = AsciiLower(name);
  return EndsWith(lower, ".tmp") || EndsWith(lower, ".part") || EndsWith(lower, ".crdownload");
}

std::string StoredName(const std::string& name) {
  if (name.size() <= kMaxStoredNameBytes) return name;
  std::string hash = Sha256Hex(name).substr(0, 12);
  std::string extension = fs::path(name).extension().string();
  if (extension.size() > 16 || !IsValidUtf8(extension) || FindRefusedChar(extension)) {
    extension.clear();
  }
  size_t keep = kMaxStoredNameBytes - 1 - hash.size() - extension.size();
  std::string_view stem(name);
  stem = stem.substr(0, name.size() - extension.size());
  return std::string(stem.substr(0, Utf8Prefix(stem, keep))) + "~" + hash + extension;
}

std::string ShowName(std::string_view name, size_t max_bytes) {
  if (name.size() <= max_bytes) return EscapeForDisplay(name);
  return EscapeForDisplay(name.substr(0, Utf8Prefix(name, max_bytes))) + "…";
}

}  // namespace loa
