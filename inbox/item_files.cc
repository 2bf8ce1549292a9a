#include "inbox/item_files.h"

#include <algorithm>
#include <array>
#include <set>

#include "base/fs.h"
#include "base/text.h"
#include "inbox/inbox_file.h"
#include "inbox/item_reading.h"
#include "inbox/utf8.h"

namespace loa {

namespace {

using nlohmann::json;
namespace msg = messages;

const std::vector<std::string>& MediaKeys() {
  static const std::vector<std::string> keys = {"file", "caption"};
  return keys;
}

struct MediaType {
  const char* extension;
  const char* content_type;
};
constexpr std::array<MediaType, 7> kMediaTypes = {{{".jpg", "image/jpeg"},
                                                   {".jpeg", "image/jpeg"},
                                                   {".png", "image/png"},
                                                   {".gif", "image/gif"},
                                                   {".webp", "image/webp"},
                                                   {".mp4", "video/mp4"},
                                                   {".pdf", "application/pdf"}}};

// A file the item names, read with ReadInboxFile; nullopt with a problem.
std::optional<std::string> ReadNamedFile(const std::string& field, const fs::path& path,
                                         const std::string& name, size_t max_bytes,
                                         msg::NamedFile what, ProblemList& problems) {
  std::string shown = Shown(name);
  InboxRead read = ReadInboxFile(path, max_bytes);
  switch (read.outcome) {
    case InboxRead::Outcome::kOk:
      return std::move(read.data);
    case InboxRead::Outcome::kNotRegular:
      problems.Add(field, shown, msg::NotAFile(shown, read.kind));
      return std::nullopt;
    case InboxRead::Outcome::kTooLarge:
      problems.Add(field, shown, msg::FileTooLarge(what, shown, read.size, max_bytes));
      return std::nullopt;
    case InboxRead::Outcome::kCannotRead:
      problems.Add(field, shown, msg::CannotReadFile(what, shown, read.error));
      return std::nullopt;
  }
  return std::nullopt;
}

// The size of a media file, checked like a file read with ReadInboxFile but
// without reading it: a video of hundreds of megabytes is read once, by the
// copy that also hashes it (daemon/ingest_prepare.h).
std::optional<int64_t> CheckMediaFile(const std::string& field, const fs::path& path,
                                      const std::string& name, size_t max_bytes,
                                      ProblemList& problems) {
  std::string shown = Shown(name);
  InboxRead check = CheckInboxFile(path, max_bytes);
  switch (check.outcome) {
    case InboxRead::Outcome::kOk:
      if (check.size == 0) {
        problems.Add(field, shown, msg::EmptyMediaFile(shown));
        return std::nullopt;
      }
      return static_cast<int64_t>(check.size);
    case InboxRead::Outcome::kNotRegular:
      problems.Add(field, shown, msg::NotAFile(shown, check.kind));
      return std::nullopt;
    case InboxRead::Outcome::kTooLarge:
      problems.Add(field, shown,
                   msg::FileTooLarge(msg::NamedFile::kMedia, shown, check.size, max_bytes));
      return std::nullopt;
    case InboxRead::Outcome::kCannotRead:
      problems.Add(field, shown, msg::CannotReadFile(msg::NamedFile::kMedia, shown, check.error));
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<fs::path> ResolveFile(const std::string& field, const std::string& name,
                                    const fs::path& folder, ProblemList& problems) {
  std::string shown = ShortenUtf8(name, kValueChars);
  if (folder.empty()) {
    problems.Add(field, shown, msg::SingleFileNamesFile(shown));
    return std::nullopt;
  }
  fs::path relative(name);
  if (name.empty() || !StaysInside(folder, relative)) {
    problems.Add(field, shown, msg::PathOutside(shown));
    return std::nullopt;
  }
  fs::path current = folder;
  std::vector<fs::path> parts;
  for (const auto& part : relative.lexically_normal()) {
    if (!part.empty()) parts.push_back(part);
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    current /= parts[i];
    FileProbe probe = ProbeFile(current);
    if (probe.kind == FileKind::kSymlink) {
      problems.Add(field, shown, msg::PathSymlink(shown));
      return std::nullopt;
    }
    bool last = i + 1 == parts.size();
    if (probe.kind == FileKind::kUnreadable) {
      problems.Add(field, shown, msg::CannotReadPath(shown, probe.error));
      return std::nullopt;
    }
    if (probe.kind == FileKind::kMissing || (!last && probe.kind != FileKind::kDirectory)) {
      problems.Add(field, shown, msg::FileNotFound(shown));
      return std::nullopt;
    }
    if (last && probe.kind != FileKind::kRegular) {
      problems.Add(field, shown, msg::NotAFile(shown, probe.kind));
      return std::nullopt;
    }
  }
  return current;
}

std::optional<std::string> ReadBodyFile(const fs::path& folder, const std::string& name,
                                        size_t max_bytes, FieldReader& reader) {
  ProblemList& problems = reader.problems();
  auto path = ResolveFile("body_file", name, folder, problems);
  if (!path) return std::nullopt;
  auto data = ReadNamedFile("body_file", *path, name, max_bytes, msg::NamedFile::kBody, problems);
  if (!data) return std::nullopt;
  std::string_view content = *data;
  // Windows editors often start UTF-8 files with a byte-order mark.
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  if (!IsValidUtf8(content)) {
    size_t line = LineColumn(content, FirstInvalidUtf8(content)).first;
    problems.Add("body_file", ShortenUtf8(name, kValueChars), msg::BodyFileNotUtf8(name, line));
    return std::nullopt;
  }
  auto nfc = NormalizeNfc(content);
  if (!nfc.ok()) {
    problems.Add("body_file", ShortenUtf8(name, kValueChars),
                 msg::BodyFileNotNfc(name, nfc.error()));
    return std::nullopt;
  }
  std::string text = std::move(nfc).value();
  if (!reader.CheckCharacters("body_file", &text, Shape::kText)) return std::nullopt;
  return text;
}

MediaList ReadMedia(const json& root, const fs::path& folder, size_t max_media_bytes,
                    FieldReader& reader) {
  MediaList out;
  ProblemList& problems = reader.problems();
  const json* v = Find(root, "media");
  if (!v || v->is_null()) return out;
  if (!v->is_array()) {
    reader.WrongType("media", *v, msg::Expected::kMediaList);
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < v->size(); ++i) {
    std::string prefix = "media[" + std::to_string(i) + "]";
    const json& entry = (*v)[i];
    if (!entry.is_object()) {
      reader.WrongType(prefix, entry, msg::Expected::kMediaEntry);
      continue;
    }
    reader.UnknownKeys(entry, prefix + ".", MediaKeys(), msg::KeyPlace::kMedia);
    MediaFile media;
    if (const json* caption = Find(entry, "caption"); caption && !caption->is_null()) {
      if (auto text = reader.String(prefix + ".caption", *caption, Shape::kLine)) {
        media.caption = *text;
      }
    }
    std::string field = prefix + ".file";
    const json* file = Find(entry, "file");
    if (!file) {
      problems.Add(field, "", msg::MediaNoFile(i + 1, field));
      continue;
    }
    auto name = reader.String(field, *file, Shape::kToken, "\"anh-1.jpg\"");
    if (!name) continue;
    std::string extension = AsciiLower(fs::path(*name).extension().string());
    auto type = std::find_if(kMediaTypes.begin(), kMediaTypes.end(),
                             [&](const MediaType& t) { return extension == t.extension; });
    if (type == kMediaTypes.end()) {
      std::string shown = ShortenUtf8(*name, kValueChars);
      problems.Add(field, shown, msg::MediaType(shown));
      continue;
    }
    auto path = ResolveFile(field, *name, folder, problems);
    if (!path) continue;
    media.name = path->filename().string();
    if (!names.insert(media.name).second) {
      problems.Add(field, media.name, msg::DuplicateMediaName(media.name));
      continue;
    }
    auto size = CheckMediaFile(field, *path, *name, max_media_bytes, problems);
    if (!size) continue;
    media.content_type = type->content_type;
    media.size = *size;  // sha256 is filled by the copy into the state folder
    out.sources.push_back(MediaSource{media.name, *path});
    out.fields.push_back(field);
    out.media.push_back(std::move(media));
  }
  return out;
}

}  // namespace loa
