#include "base/json_parse.h"

#include <set>

namespace loa {

namespace {

using json = nlohmann::json;

std::string KeyPath(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// The parser callback's state. One Level per open object or array; each
// keeps its path, so the memory kept grows with the square of the depth:
// max_depth bounds it.
class KeyWatcher {
 public:
  KeyWatcher(size_t max_depth, std::vector<DuplicateKey>* duplicates)
      : max_depth_(max_depth), duplicates_(duplicates) {}

  bool Event(int depth, json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (static_cast<size_t>(depth) >= max_depth_) throw JsonTooDeep{};
        levels_.push_back(Level{ChildPath(), event == json::parse_event_t::array_start, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!levels_.empty()) levels_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!levels_.empty() && parsed.is_string()) {
          Level& level = levels_.back();
          level.last_key = parsed.get<std::string>();
          if (!level.keys.insert(level.last_key).second) {
            duplicates_->push_back(
                DuplicateKey{level.last_key, KeyPath(level.path, level.last_key)});
          }
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  }

 private:
  struct Level {
    std::string path;
    bool is_array;
    std::set<std::string> keys;
    std::string last_key;
  };

  std::string ChildPath() const {
    if (levels_.empty()) return "";
    const Level& parent = levels_.back();
    return parent.is_array ? parent.path + "[]" : KeyPath(parent.path, parent.last_key);
  }

  size_t max_depth_;
  std::vector<DuplicateKey>* duplicates_;
  std::vector<Level> levels_;
};

}  // namespace

json ParseJsonText(std::string_view text, size_t max_depth, std::vector<DuplicateKey>* duplicates) {
  KeyWatcher watcher(max_depth, duplicates);
  // nlohmann copies the callback; the copy refers to `watcher`.
  json::parser_callback_t callback = [&watcher](int depth, json::parse_event_t event,
                                                json& parsed) {
    return watcher.Event(depth, event, parsed);
  };
  return json::parse(text, callback, /*allow_exceptions=*/true, /*ignore_comments=*/true);
}

}  // namespace loa
