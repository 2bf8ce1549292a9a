// Reads an inbox item (NAME.json, or folder NAME/ with post.json) and checks
// every rule of the inbox format, collecting all problems rather than
// stopping at the first. Input is untrusted.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/time.h"
#include "inbox/channel_limits.h"
#include "inbox/item.h"

namespace loa {

namespace fs = std::filesystem;

struct Problem {
  std::string field;  // "title", "media[0].file", "channels[2]", "" for the whole item
  std::string value;  // the offending value as written (shortened), may be empty
  std::string vi;     // for editors, in Vietnamese: what is wrong and what is expected
  std::string en;     // for logs, in English
};

struct ParseOptions {
  std::vector<std::string> channel_names;  // known channels; "all" expands to these
  TimeZone zone = std::chrono::hours(7);
  TimePoint now{};                     // publish_at defaults to this
  size_t max_json_bytes = 1 << 20;     // post.json / NAME.json
  size_t max_body_bytes = 1 << 20;     // body_file
  size_t max_media_bytes = 200 << 20;  // each media file
  // By channel name (LimitsByChannel): an item to be published on a channel
  // must fit that channel's platform. A channel without an entry has none.
  std::map<std::string, ChannelLimits> limits;
};

struct MediaSource {
  std::string name;
  fs::path path;  // absolute path of the file inside the item folder
};

struct ParsedItem {
  std::optional<Item> item;              // set when problems is empty
  std::vector<MediaSource> media_files;  // where to copy media from, in item.media order
  std::vector<Problem> problems;
  bool ok() const { return problems.empty(); }
};

// `path` is NAME.json or a folder NAME/ holding post.json.
ParsedItem ParseItem(const fs::path& path, const ParseOptions& options);

// The NAME.error.txt text: the item name, then each problem in Vietnamese
// and in English (field, value, what is expected).
std::string FormatProblemReport(const fs::path& item_path, const std::vector<Problem>& problems);

// One English line per problem, for logs and `loa check`.
std::string FormatProblemLine(const Problem& p);

}  // namespace loa
