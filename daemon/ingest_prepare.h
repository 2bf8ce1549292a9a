// The first half of taking an inbox item: read and check it (ParseItem,
// which checks media files without reading them), then copy each media file
// into state_dir/media/<id>/ and hash it in the same pass. It touches
// neither the store nor the inbox, so it runs on the ingest worker
// (daemon/ingest_worker.h) while the io thread keeps the engine's timer,
// commits and the watchdog going; the commit (CommitItem in
// daemon/ingest.h) follows on the io thread. docs/design.md, "Threads".
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "config/config.h"
#include "inbox/item_parser.h"

namespace loa {

namespace fs = std::filesystem;

struct PrepareOptions {
  ParseOptions parse;
  fs::path media_dir;  // Config::MediaDir(): media go to media_dir/<id>/<name>
  // Set (from any thread) to abandon a copy under way, at shutdown: looked
  // at between chunks.
  const std::atomic<bool>* cancel = nullptr;
};

// The options the daemon parses with: the config's channels, their limits,
// its time zone, and `now` as the default publish_at.
PrepareOptions MakePrepareOptions(const Config& config, TimePoint now);

struct PreparedItem {
  fs::path path;  // the item in the inbox (NAME.json or NAME/)
  // Its problems, or the item with every media[i].sha256 filled by the copy.
  ParsedItem parsed;
  // Set when a valid item's media could not be stored: the item is not
  // committed and stays in the inbox (taken again when it changes or at the
  // next rescan).
  std::string media_error;
  bool abandoned = false;  // the copy was cancelled (shutdown)
};

// Never throws: whatever escapes becomes a problem (while reading) or a
// media_error (while copying).
PreparedItem PrepareItem(const fs::path& path, const PrepareOptions& options);

// Bytes read and written at a time: the copy's memory and the time between
// two looks at `cancel` stay bounded whatever the file's size.
inline constexpr size_t kMediaChunkBytes = 1 << 20;

// Copies `from` (a media file the parser checked, `want_size` bytes) to `to`
// through a temporary file, fsync and rename, reading it once in
// kMediaChunkBytes chunks and hashing what it copies. Returns the lower-case
// hex SHA-256 of the copy. A file that changed since it was checked (another
// size, or its size or mtime moving during the copy) is an error and `to`
// is left as it was; so is a cancelled copy.
Result<std::string> CopyAndHashMedia(const fs::path& from, const fs::path& to, int64_t want_size,
                                     const std::atomic<bool>* cancel = nullptr);

}  // namespace loa
