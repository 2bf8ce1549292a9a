// Media files as connectors send them: read from state_dir/media in bounded
// chunks, checked against the sha256 ingest recorded, never held whole.
//
// The guarantee: bytes of a media file that changed since the item was
// accepted are never published. Ingest copied the file into loa's own
// state folder and hashed it in the same pass (daemon/ingest_prepare.h), so
// a change there means an operator's hand or a failing disk. A size + mtime
// record would be cheaper, but it misses both (cp -p, touch -r, bit rot), so
// the full hash is kept: it is computed in the pass that sends the bytes
// (one read of the file, SHA-256 is far faster than any upload), and the
// chunk that ends the file is handed out only after the digest matched. A
// changed file therefore cuts its request short: the server never receives
// a whole body, so nothing is created from it (the media flow: docs/design.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

#include "base/crypto.h"
#include "base/result.h"
#include "inbox/item.h"

namespace loa {

// One media file read front to back. Open checks the name stays inside
// the media folder, the file is a regular file (no symlink) and its size is
// the accepted one; Next checks the digest before the last chunk.
class MediaReader {
 public:
  // A multiple of 3, so that base64 of the chunks joins into base64 of the
  // file.
  static constexpr size_t kChunkBytes = size_t{3} << 18;  // 768 KiB

  static Result<MediaReader> Open(const MediaFile& media, const std::filesystem::path& media_dir);
  MediaReader(MediaReader&& other) noexcept;
  MediaReader& operator=(MediaReader&&) = delete;
  MediaReader(const MediaReader&) = delete;
  MediaReader& operator=(const MediaReader&) = delete;
  ~MediaReader();

  int64_t size() const { return size_; }
  bool done() const { return read_ == size_; }
  // The next chunk (valid until the next call), empty at the end. The
  // chunk that completes the file comes only once the file's digest
  // matched the accepted sha256; an Error names the file otherwise.
  Result<std::string_view> Next();
  // Whether Next returned an Error (the file changed or could not be read).
  bool failed() const { return failed_; }

 private:
  MediaReader(const MediaFile& media, int fd, int64_t size);
  Error Changed() const;
  Result<std::string_view> ReadChunk();

  std::string name_;
  std::string want_sha256_;  // empty: accepted without a digest, not checked
  int fd_ = -1;
  int64_t size_ = 0;
  int64_t read_ = 0;
  bool failed_ = false;
  std::unique_ptr<Sha256Stream> sha_;
  std::vector<char> buf_;
};

// Appends base64 of the whole file (checked) to `out`, encoded chunk by
// chunk: the file is never in memory beside its encoding.
Status AppendMediaBase64(const MediaFile& media, const std::filesystem::path& media_dir,
                         std::string& out);

// Copies the rest of the file to `target` through an AtomicFileWriter
// (mode 0640): the copy is put in place only when every byte matched. After
// an error, media.failed() says whether the file (not `target`) was at fault.
Status CopyMedia(MediaReader& media, const std::filesystem::path& target);

// A request body made of `head`, one media file and `tail`, sent with a
// Content-Length and read from the file while it is written to the socket.
// When the file turns out to have changed, the provider stops before the
// file's last chunk (cpp-httplib reports Error::Canceled) and failure()
// says why; callers check failure() before reading the result.
class StreamedBody {
 public:
  StreamedBody(std::string head, MediaReader media, std::string tail);

  size_t length() const { return length_; }
  // Valid while this object lives; the request must be sent before it dies.
  httplib::ContentProvider Provider();
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bool Serve(size_t offset, httplib::DataSink& sink);

  std::string head_;
  MediaReader media_;
  std::string tail_;
  size_t length_ = 0;
  size_t sent_ = 0;
  std::optional<Error> failure_;
};

// A multipart/form-data body: `fields` (name, value) first, then the file
// as part `file_field` named `file_name`. The file comes last so that a
// body cut short for a changed file is never a whole form.
struct MultipartUpload {
  std::string content_type;  // "multipart/form-data; boundary=..."
  std::unique_ptr<StreamedBody> body;
};
MultipartUpload MakeMultipartUpload(const std::vector<std::pair<std::string, std::string>>& fields,
                                    const std::string& file_field, const std::string& file_name,
                                    const std::string& file_content_type, MediaReader media);

}  // namespace loa
