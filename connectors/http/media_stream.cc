#include "connectors/http/media_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "base/fs.h"

namespace loa {

MediaReader::MediaReader(const MediaFile& media, int fd, int64_t size)
    : name_(media.name),
      want_sha256_(media.sha256),
      fd_(fd),
      size_(size),
      sha_(std::make_unique<Sha256Stream>()) {}

MediaReader::MediaReader(MediaReader&& other) noexcept
    : name_(std::move(other.name_)),
      want_sha256_(std::move(other.want_sha256_)),
      fd_(other.fd_),
      size_(other.size_),
      read_(other.read_),
      failed_(other.failed_),
      sha_(std::move(other.sha_)),
      buf_(std::move(other.buf_)) {
  other.fd_ = -1;
}

MediaReader::~MediaReader() {
  if (fd_ >= 0) ::close(fd_);
}

Error MediaReader::Changed() const {
  return Error{"media " + name_ + " changed since the item was accepted (sha256 differs)"};
}

Result<MediaReader> MediaReader::Open(const MediaFile& media,
                                      const std::filesystem::path& media_dir) {
  if (!StaysInside(media_dir, media.name)) {
    return Error{"media name '" + media.name + "' leaves the media folder"};
  }
  const std::filesystem::path path = media_dir / media.name;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    return Error{"media " + media.name + ": cannot open " + path.string() + ": " +
                 std::strerror(errno)};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{"media " + media.name + ": " + path.string() + " is not a regular file"};
  }
  MediaReader reader(media, fd, static_cast<int64_t>(st.st_size));
  // The size is recorded with the digest: a different size is a changed
  // file, found before anything is sent.
  if (!media.sha256.empty() && media.size > 0 && reader.size_ != media.size) {
    return reader.Changed();
  }
  if (reader.size_ == 0 && !media.sha256.empty() && reader.sha_->HexDigest() != media.sha256) {
    return reader.Changed();
  }
  return reader;
}

Result<std::string_view> MediaReader::Next() {
  auto chunk = ReadChunk();
  if (!chunk.ok()) failed_ = true;
  return chunk;
}

Result<std::string_view> MediaReader::ReadChunk() {
  if (read_ == size_) return std::string_view();
  if (buf_.empty()) buf_.resize(kChunkBytes);
  size_t want = static_cast<size_t>(std::min<int64_t>(size_ - read_, kChunkBytes));
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(read_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{"media " + name_ + ": cannot read: " + std::strerror(errno)};
    if (n == 0) return Changed();  // shorter than when it was opened
    got += static_cast<size_t>(n);
  }
  std::string_view chunk(buf_.data(), got);
  if (!want_sha256_.empty()) sha_->Update(chunk);
  read_ += static_cast<int64_t>(got);
  if (read_ == size_ && !want_sha256_.empty() && sha_->HexDigest() != want_sha256_) {
    return Changed();
  }
  return chunk;
}

Status AppendMediaBase64(const MediaFile& media, const std::filesystem::path& media_dir,
                         std::string& out) {
  auto reader = MediaReader::Open(media, media_dir);
  if (!reader.ok()) return Error{reader.error()};
  out.reserve(out.size() + static_cast<size_t>((reader->size() + 2) / 3 * 4));
  while (!reader->done()) {
    auto chunk = reader->Next();
    if (!chunk.ok()) return Error{chunk.error()};
    out += Base64Encode(*chunk);  // whole groups of 3 but for the last chunk
  }
  return Ok{};
}

Status CopyMedia(MediaReader& media, const std::filesystem::path& target) {
  auto out = AtomicFileWriter::Create(target);
  if (!out.ok()) return Error{out.error()};
  while (!media.done()) {
    auto chunk = media.Next();
    if (!chunk.ok()) return Error{chunk.error()};  // the writer removes its temporary file
    if (auto written = out->Write(*chunk); !written.ok()) return written;
  }
  return out->Commit();
}

StreamedBody::StreamedBody(std::string head, MediaReader media, std::string tail)
    : head_(std::move(head)), media_(std::move(media)), tail_(std::move(tail)) {
  length_ = head_.size() + static_cast<size_t>(media_.size()) + tail_.size();
}

httplib::ContentProvider StreamedBody::Provider() {
  return [this](size_t offset, size_t /*length*/, httplib::DataSink& sink) {
    return Serve(offset, sink);
  };
}

// cpp-httplib calls the provider until `length_` bytes were written, each
// call writing one piece: the head, a chunk of the file, the tail.
bool StreamedBody::Serve(size_t offset, httplib::DataSink& sink) {
  if (offset != sent_ || failure_) return false;
  std::string_view piece;
  const size_t head_end = head_.size();
  const size_t media_end = head_end + static_cast<size_t>(media_.size());
  if (sent_ < head_end) {
    piece = std::string_view(head_).substr(sent_);
  } else if (sent_ < media_end) {
    auto chunk = media_.Next();
    if (!chunk.ok()) {
      failure_ = Error{chunk.error()};
      return false;
    }
    piece = *chunk;
  } else {
    piece = std::string_view(tail_).substr(sent_ - media_end);
  }
  if (piece.empty()) return false;  // nothing left to give: never spin
  sent_ += piece.size();
  // A failed write is cpp-httplib's to report (Error::Write: the request
  // never reached the server whole); false here would read as Canceled.
  sink.write(piece.data(), piece.size());
  return true;
}

MultipartUpload MakeMultipartUpload(const std::vector<std::pair<std::string, std::string>>& fields,
                                    const std::string& file_field, const std::string& file_name,
                                    const std::string& file_content_type, MediaReader media) {
  // A random boundary, as cpp-httplib's own: no field value or file can be
  // expected to contain it.
  static constexpr char kAlnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::string boundary = "--loa-form-";
  for (int i = 0; i < 24; ++i) boundary += kAlnum[rd() % (sizeof(kAlnum) - 1)];

  std::string head;
  for (const auto& [name, value] : fields) {
    head += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  }
  head += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + file_field +
          "\"; filename=\"" + file_name + "\"\r\nContent-Type: " + file_content_type + "\r\n\r\n";
  std::string tail = "\r\n--" + boundary + "--\r\n";
  return MultipartUpload{
      "multipart/form-data; boundary=" + boundary,
      std::make_unique<StreamedBody>(std::move(head), std::move(media), std::move(tail))};
}

}  // namespace loa
