// The files an item names (body_file, media[i].file): where they are (inside
// the item folder, reached without a symlink), that they are regular files
// within their size limit, and what their names say they are.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inbox/item.h"
#include "inbox/item_fields.h"
#include "inbox/item_parser.h"

namespace loa {

namespace fs = std::filesystem;

// The absolute path of the file `name` (as the item wrote it, in `field`),
// after checking that it is a regular file inside `folder` reached without
// any symlink; nullopt with a problem. `folder` is empty for a single-file
// item, which cannot name files.
std::optional<fs::path> ResolveFile(const std::string& field, const std::string& name,
                                    const fs::path& folder, ProblemList& problems);

// The Markdown of body_file `name`: UTF-8 (a byte-order mark dropped), NFC,
// with the characters of a kText field.
std::optional<std::string> ReadBodyFile(const fs::path& folder, const std::string& name,
                                        size_t max_bytes, FieldReader& reader);

struct MediaList {
  std::vector<MediaFile> media;      // Item::media
  std::vector<MediaSource> sources;  // ParsedItem::media_files, in the same order
  std::vector<std::string> fields;   // "media[i].file" of each entry, for later problems
};

// The item's "media" list: each entry's caption and file (a type loa takes,
// not empty, named once, within the size limit). The files are checked, not
// read: MediaFile::sha256 stays empty here and is filled by the one pass
// that copies and hashes them (daemon/ingest_prepare.h).
MediaList ReadMedia(const nlohmann::json& root, const fs::path& folder, size_t max_media_bytes,
                    FieldReader& reader);

}  // namespace loa
