#include "daemon/ingest_prepare.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include "base/crypto.h"
#include "base/fs.h"
#include "base/log.h"
#include "connectors/registry.h"  // the channel types' limits
#include "inbox/inbox_file.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

Error Changed(const fs::path& from) {
  return Error{from.string() + " changed after it was validated"};
}

// A copy interrupted by a crash leaves "<name>.tmp-<pid>" (AtomicFileWriter)
// beside where the file goes; the next daemon has another pid, so it is
// removed here rather than overwritten. Only that exact shape is matched:
// a media name always ends in its type's extension, never in digits.
void RemoveLeftoverTemps(const fs::path& dir, const std::string& name) {
  const std::string prefix = name + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string entry = it->path().filename().string();
    if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) continue;
    if (entry.find_first_not_of("0123456789", prefix.size()) != std::string::npos) continue;
    std::error_code rm;
    fs::remove(it->path(), rm);
  }
}

// Copies every media file of a valid item, filling item.media[i].sha256.
Status StoreMedia(const PrepareOptions& options, ParsedItem& parsed) {
  Item& item = *parsed.item;
  const std::vector<MediaSource>& sources = parsed.media_files;
  if (sources.empty()) return Ok{};
  if (sources.size() != item.media.size()) return Error{"media list and sources differ"};
  fs::path dir = options.media_dir / item.id;
  if (auto st = EnsureDir(dir); !st.ok()) return st;
  for (size_t i = 0; i < sources.size(); ++i) {
    const MediaSource& src = sources[i];
    RemoveLeftoverTemps(dir, src.name);
    auto sha = CopyAndHashMedia(src.path, dir / src.name, item.media[i].size, options.cancel);
    if (!sha.ok()) return Error{sha.error()};
    item.media[i].sha256 = std::move(sha).value();
  }
  return Ok{};
}

}  // namespace

PrepareOptions MakePrepareOptions(const Config& config, TimePoint now) {
  PrepareOptions options;
  options.parse.channel_names = config.ChannelNames();
  options.parse.limits = LimitsByChannel(config);
  options.parse.zone = config.timezone;
  options.parse.now = now;
  options.media_dir = config.MediaDir();
  return options;
}

Result<std::string> CopyAndHashMedia(const fs::path& from, const fs::path& to, int64_t want_size,
                                     const std::atomic<bool>* cancel) {
  // The parser checked this file, but it is still in the editor's folder:
  // whatever was swapped in since must neither be followed nor block us.
  InboxRead check;
  FdCloser in{OpenInboxFile(from, static_cast<size_t>(want_size), check)};
  if (in.fd < 0) {
    if (check.outcome == InboxRead::Outcome::kTooLarge) return Changed(from);
    if (check.outcome == InboxRead::Outcome::kNotRegular) {
      return Error{from.string() + " is no longer a regular file"};
    }
    return Error{"cannot open " + from.string() + ": " + check.error};
  }
  struct stat before {};
  if (::fstat(in.fd, &before) != 0) {
    return Error{"cannot stat " + from.string() + ": " + std::strerror(errno)};
  }
  if (before.st_size != want_size) return Changed(from);
  auto out = AtomicFileWriter::Create(to, 0644);
  if (!out.ok()) return Error{out.error()};

  Sha256Stream sha;
  std::vector<char> buf(kMediaChunkBytes);
  int64_t copied = 0;
  for (;;) {
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      return Error{"the copy of " + from.string() + " was abandoned (loa is stopping)"};
    }
    ssize_t n = ::read(in.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"cannot read " + from.string() + ": " + std::strerror(errno)};
    if (n == 0) break;
    copied += n;
    if (copied > want_size) return Changed(from);
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    sha.Update(chunk);
    if (auto written = out->Write(chunk); !written.ok()) return Error{written.error()};
  }
  // Written to while we read (an editor still saving): what was hashed may
  // mix two versions, so none of it is kept.
  struct stat after {};
  if (::fstat(in.fd, &after) != 0) {
    return Error{"cannot stat " + from.string() + ": " + std::strerror(errno)};
  }
  if (copied != want_size || !SameFile(before, after)) return Changed(from);
  if (auto committed = out->Commit(); !committed.ok()) return Error{committed.error()};
  return sha.HexDigest();
}

PreparedItem PrepareItem(const fs::path& path, const PrepareOptions& options) {
  PreparedItem out;
  out.path = path;
  // One item must never take the daemon down: an exception while reading it
  // rejects it; one while copying its media leaves it in the inbox.
  try {
    out.parsed = ParseItem(path, options.parse);
  } catch (const std::exception& e) {
    out.parsed = ParsedItem{};
    out.parsed.problems.push_back(
        Problem{"", "",
                "loa gặp lỗi khi đọc bài viết này nên không đăng được (" +
                    EscapeForDisplay(e.what()) + "). Hãy báo quản trị viên kèm tệp này.",
                "the item could not be read: " + EscapeForDisplay(e.what())});
    return out;
  }
  if (!out.parsed.ok() || !out.parsed.item || out.parsed.item->action == "retract") return out;
  try {
    if (auto st = StoreMedia(options, out.parsed); !st.ok()) out.media_error = st.error();
  } catch (const std::exception& e) {
    out.media_error = std::string("unexpected error: ") + e.what();
  }
  out.abandoned = options.cancel && options.cancel->load();
  return out;
}

}  // namespace loa
