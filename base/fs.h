// File-system helpers with the durability loa promises: atomic writes and
// moves that never overwrite.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace loa {

namespace fs = std::filesystem;

// Reads a whole regular file, refusing anything larger than max_bytes.
Result<std::string> ReadFile(const fs::path& path, size_t max_bytes = 64 << 20);

// A file written under a temporary name beside `path` and put in place
// whole: Commit fsyncs it, renames it over `path` and fsyncs the folder, so
// readers see the old file or the new one, never a half-written one. A
// writer destroyed without a successful Commit removes its temporary file.
class AtomicFileWriter {
 public:
  static Result<AtomicFileWriter> Create(const fs::path& path, mode_t mode = 0640);
  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  // Appends `data` (the whole of it, through short writes and EINTR).
  Status Write(std::string_view data);
  // Puts the file in place. On an error the temporary file is removed and
  // `path` is left as it was (unless only the folder's fsync failed).
  Status Commit();

  const fs::path& temp_path() const { return tmp_; }

 private:
  AtomicFileWriter(fs::path path, fs::path tmp, int fd);
  void Abandon();

  fs::path path_;
  fs::path tmp_;
  int fd_ = -1;
};

// The whole of `data` through an AtomicFileWriter.
Status WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode = 0640);

// Moves `from` into folder `to_dir` under `name` (default: its own name);
// when that name is taken, a suffix "-YYYYMMDDTHHMMSS[-N]" (UTC) is added
// before the extension, from `now`. Never overwrites. Returns the final path.
// `sync_folder` false leaves the folder's fsync to the caller (SyncFolder),
// who moves several items and syncs once.
Result<fs::path> MoveIntoFolder(const fs::path& from, const fs::path& to_dir, TimePoint now,
                                const fs::path& name = {}, bool sync_folder = true);

// Makes the entries created in or renamed into `dir` durable.
Status SyncFolder(const fs::path& dir);

// Creates the folder and its parents; an error names the path.
Status EnsureDir(const fs::path& dir);

// True when `path`, resolved lexically against `base`, stays inside `base`.
bool StaysInside(const fs::path& base, const fs::path& relative);

// Trims ASCII white space at both ends (secret files end with a newline).
std::string Trim(std::string_view s);

}  // namespace loa
