// One approved communication item as loa keeps it after validation.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"

namespace loa {

struct MediaFile {
  std::string name;          // file name as the item names it ("anh-1.jpg")
  std::string caption;       // may be empty
  std::string content_type;  // from the extension: image/jpeg, image/png, video/mp4, ...
  // Lower-case hex of the content. ParseItem leaves it empty (it checks the
  // file without reading it); ingest fills it while copying the file into
  // the state folder, in one pass (daemon/ingest_prepare.h).
  std::string sha256;
  int64_t size = 0;
};

struct ChannelOverride {
  std::optional<std::string> title;
  std::optional<std::string> text;
  std::optional<TimePoint> publish_at;
};

struct Item {
  std::string id;  // [a-z0-9][a-z0-9._-]*, also the WordPress slug
  std::string title;
  std::optional<std::string> summary;
  std::string body_markdown;  // from `body`, or the content of `body_file`
  TimePoint publish_at{};     // UTC
  // False when the item gave no publish_at and was read as due "now": taken
  // again unchanged, it is the same item, though "now" has moved on
  // (Store::UpsertPost). Not stored: ItemToJson has the time it was given.
  bool publish_at_given = true;
  std::vector<std::string> channels;  // resolved channel names ("all" expanded)
  std::vector<std::string> topics;
  std::optional<std::string> form;  // news|article|reportage|video|infographic|photo|announcement
  std::optional<std::string> unit;
  std::string approved_by;
  std::optional<std::string> link;
  std::vector<MediaFile> media;  // bytes live in MediaDir()/<id>/<name>
  std::map<std::string, ChannelOverride> overrides;
  std::string action = "publish";  // "publish" | "retract"

  // The time this item is due on `channel` (overrides.<channel>.publish_at wins).
  TimePoint DueAt(const std::string& channel) const;
};

// The normalized form stored in the queue and written by the file connector.
// Times are UTC RFC 3339 with milliseconds; absent optionals are null.
nlohmann::json ItemToJson(const Item& item);
Result<Item> ItemFromJson(const nlohmann::json& j);

}  // namespace loa
