#include "base/json_field.h"

#include <charconv>

namespace loa {

using nlohmann::json;

const json& Field(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const json& object, std::string_view key) {
  const json& value = Field(object, key);
  return value.is_string() ? value.get<std::string>() : "";
}

std::string IdText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  return "";
}

std::string IdField(const json& object, std::string_view key) { return IdText(Field(object, key)); }

std::optional<int64_t> IntegerValue(const json& value) {
  if (value.is_number_unsigned()) {
    uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> IntegerField(const json& object, std::string_view key) {
  return IntegerValue(Field(object, key));
}

json StringOrNull(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace loa
