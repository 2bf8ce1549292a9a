#include "inbox/item.h"

#include "base/json_field.h"
#include "base/time.h"

namespace loa {

namespace {

using nlohmann::json;

json MediaToJson(const MediaFile& m) {
  return json{{"name", m.name},
              {"caption", m.caption},
              {"content_type", m.content_type},
              {"sha256", m.sha256},
              {"size", m.size}};
}

// Reads `j[key]` into the given target; each reader appends an error naming
// the key path when the value has the wrong type, so a broken stored item
// says where it is broken.
class Reader {
 public:
  explicit Reader(const json& j, std::string path = "") : j_(j), path_(std::move(path)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void String(const char* key, std::string* out) {
    const json* v = Find(key, /*required=*/true);
    if (!v) return;
    if (!v->is_string()) return Fail(key, "a string");
    *out = v->get<std::string>();
  }

  void OptString(const char* key, std::optional<std::string>* out) {
    const json* v = Find(key, /*required=*/false);
    if (!v || v->is_null()) return;
    if (!v->is_string()) return Fail(key, "a string or null");
    *out = v->get<std::string>();
  }

  void Time(const char* key, TimePoint* out) {
    std::optional<TimePoint> t;
    OptTime(key, &t, /*required=*/true);
    if (t) *out = *t;
  }

  void OptTime(const char* key, std::optional<TimePoint>* out, bool required = false) {
    const json* v = Find(key, required);
    if (!v || (!required && v->is_null())) return;
    if (!v->is_string()) return Fail(key, "a UTC time string");
    auto t = ParseTime(v->get_ref<const std::string&>(), TimeZone());
    if (!t.ok()) return Fail(key, "a UTC time (" + t.error() + ")");
    *out = *t;
  }

  void StringList(const char* key, std::vector<std::string>* out) {
    const json* v = Find(key, /*required=*/true);
    if (!v) return;
    if (!v->is_array()) return Fail(key, "an array of strings");
    for (const auto& e : *v) {
      if (!e.is_string()) return Fail(key, "an array of strings");
      out->push_back(e.get<std::string>());
    }
  }

  void Int(const char* key, int64_t* out) {
    const json* v = Find(key, /*required=*/true);
    if (!v) return;
    if (!v->is_number_integer()) return Fail(key, "an integer");
    *out = v->get<int64_t>();
  }

  // Each element of the array (`array`) or object at `key`, which must be
  // an object, handed to `read` with its index or key and a Reader whose
  // errors name it ("media[0].name", "overrides.portal.title").
  template <class ReadElement>
  void Each(const char* key, bool array, ReadElement read) {
    const json* v = Find(key, /*required=*/true);
    if (!v) return;
    if (array ? !v->is_array() : !v->is_object())
      return Fail(key, array ? "an array" : "an object");
    for (const auto& element : v->items()) {
      const std::string path = array ? std::string(key) + "[" + element.key() + "]"
                                     : std::string(key) + "." + element.key();
      if (!element.value().is_object()) return Fail(path, "an object");
      Reader child(element.value(), path_ + path + ".");
      read(element.key(), child);
      if (!child.ok()) {
        error_ = child.error();
        return;
      }
    }
  }

  const json* Find(const char* key, bool required) {
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) Fail(key, "present");
      return nullptr;
    }
    return &*it;
  }

  void Fail(const std::string& key, const std::string& expected) {
    if (error_.empty()) error_ = "stored item: " + path_ + key + " must be " + expected;
  }

 private:
  const json& j_;
  std::string path_;
  std::string error_;
};

}  // namespace

TimePoint Item::DueAt(const std::string& channel) const {
  auto it = overrides.find(channel);
  if (it != overrides.end() && it->second.publish_at) return *it->second.publish_at;
  return publish_at;
}

nlohmann::json ItemToJson(const Item& item) {
  json media = json::array();
  for (const auto& m : item.media) media.push_back(MediaToJson(m));
  json overrides = json::object();
  for (const auto& [channel, o] : item.overrides) {
    overrides[channel] =
        json{{"title", StringOrNull(o.title)},
             {"text", StringOrNull(o.text)},
             {"publish_at", o.publish_at ? json(FormatUtc(*o.publish_at)) : json(nullptr)}};
  }
  return json{{"id", item.id},
              {"title", item.title},
              {"summary", StringOrNull(item.summary)},
              {"body_markdown", item.body_markdown},
              {"publish_at", FormatUtc(item.publish_at)},
              {"channels", item.channels},
              {"topics", item.topics},
              {"form", StringOrNull(item.form)},
              {"unit", StringOrNull(item.unit)},
              {"approved_by", item.approved_by},
              {"link", StringOrNull(item.link)},
              {"media", std::move(media)},
              {"overrides", std::move(overrides)},
              {"action", item.action}};
}

Result<Item> ItemFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Error{"stored item: not a JSON object"};
  Item item;
  Reader r(j);
  r.String("id", &item.id);
  r.String("title", &item.title);
  r.OptString("summary", &item.summary);
  r.String("body_markdown", &item.body_markdown);
  r.Time("publish_at", &item.publish_at);
  r.StringList("channels", &item.channels);
  r.StringList("topics", &item.topics);
  r.OptString("form", &item.form);
  r.OptString("unit", &item.unit);
  r.String("approved_by", &item.approved_by);
  r.OptString("link", &item.link);
  r.String("action", &item.action);
  if (!r.ok()) return Error{r.error()};

  r.Each("media", /*array=*/true, [&](const std::string&, Reader& mr) {
    MediaFile m;
    mr.String("name", &m.name);
    mr.String("caption", &m.caption);
    mr.String("content_type", &m.content_type);
    mr.String("sha256", &m.sha256);
    mr.Int("size", &m.size);
    item.media.push_back(std::move(m));
  });
  r.Each("overrides", /*array=*/false, [&](const std::string& channel, Reader& orr) {
    ChannelOverride co;
    orr.OptString("title", &co.title);
    orr.OptString("text", &co.text);
    orr.OptTime("publish_at", &co.publish_at);
    item.overrides.emplace(channel, std::move(co));
  });
  if (!r.ok()) return Error{r.error()};
  return item;
}

}  // namespace loa
