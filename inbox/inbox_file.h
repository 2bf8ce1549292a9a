// The files of the inbox are whatever an editor (or anyone with access to
// the share) put there: a named pipe that would block open() for ever, a
// device, a symlink to a secret, a sparse file of terabytes, a folder loa may
// not read, a name longer than a report name can be. This is how loa reads
// and names them: without following links, without blocking, bounded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace loa {

namespace fs = std::filesystem;

// What kind of file system object `path` is, as lstat() sees it.
enum class FileKind {
  kMissing,
  kRegular,
  kDirectory,
  kSymlink,
  kFifo,
  kSocket,
  kDevice,  // character or block device
  kUnknown,
  kUnreadable,  // lstat() failed: `error` says why (usually "Permission denied")
};

struct FileProbe {
  FileKind kind = FileKind::kMissing;
  std::string error;  // strerror text for kUnreadable
};

FileProbe ProbeFile(const fs::path& path);

// "a named pipe (FIFO)", "a socket", ... for messages; Vietnamese and English.
const char* FileKindVi(FileKind kind);
const char* FileKindEn(FileKind kind);

struct InboxRead {
  enum class Outcome {
    kOk,
    kNotRegular,  // `kind` says what it is instead
    kTooLarge,    // `size` bytes
    kCannotRead,  // `error` says why
  };
  Outcome outcome = Outcome::kCannotRead;
  FileKind kind = FileKind::kMissing;
  uint64_t size = 0;
  std::string error;
  std::string data;
  bool ok() const { return outcome == Outcome::kOk; }
};

// Reads a regular file of at most `max_bytes`. open() gets O_NOFOLLOW and
// O_NONBLOCK (a FIFO swapped in after a check cannot block it), the opened
// descriptor is checked with fstat() to be a regular file, and never more
// than `max_bytes` + 1 bytes are read whatever the size claims.
InboxRead ReadInboxFile(const fs::path& path, size_t max_bytes);

// The checks of ReadInboxFile without reading the contents: kOk with `size`
// from fstat() (no `data`). For media, which can be hundreds of megabytes:
// they are read once, by the copy into the state folder.
InboxRead CheckInboxFile(const fs::path& path, size_t max_bytes);

// Opens `path` with the checks of ReadInboxFile and returns the descriptor
// (the caller closes it) with `r.outcome` kOk and `r.size` from fstat(), or
// -1 with `r` saying why.
int OpenInboxFile(const fs::path& path, size_t max_bytes, InboxRead& r);

// Empty when the folder can be listed, else the reason ("Permission denied").
std::string FolderReadError(const fs::path& folder);

// True for names the inbox never treats as items: hidden files, editors'
// and browsers' temporary names, and the accepted/ and rejected/ folders.
bool IsIgnoredInboxName(const std::string& name);

// The longest name, in bytes, loa gives an item it moves to accepted/ or
// rejected/. A file name has at most 255 bytes (NAME_MAX); the moved name
// may grow by a clash suffix "-YYYYMMDDTHHMMSS-NNN" (20 bytes), its report
// adds ".error.txt" (10) and the atomic write of the report a temporary
// ".tmp-PID" (12): 200 + 20 + 10 + 12 < 255.
inline constexpr size_t kMaxStoredNameBytes = 200;

// `name` itself when it has at most kMaxStoredNameBytes bytes; otherwise its
// first bytes cut on a UTF-8 boundary, "~", the first 12 hex digits of the
// SHA-256 of the whole name, and the name's extension when it has a short
// one. The same name always gives the same stored name.
std::string StoredName(const std::string& name);

// `name` for people and logs on one line: ill-formed UTF-8 bytes as \xHH,
// control characters (and the invisible ones that can disguise text) as
// \uXXXX, backslash as "\\". Never longer than about 4 × `max_bytes`.
std::string ShowName(std::string_view name, size_t max_bytes = 300);

}  // namespace loa
