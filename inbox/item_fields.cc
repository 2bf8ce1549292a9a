#include "inbox/item_fields.h"

#include <algorithm>

#include "base/fs.h"
#include "base/text.h"
#include "inbox/channel_limits.h"
#include "inbox/utf8.h"

namespace loa {

using nlohmann::json;
namespace msg = messages;

const json* Find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::optional<std::string> Closest(std::string_view name,
                                   const std::vector<std::string>& candidates) {
  if (name.size() > 64) return std::nullopt;  // no typo of a short name
  std::string lower = AsciiLower(name);
  std::optional<std::string> best;
  size_t best_distance = 3;
  for (const auto& c : candidates) {
    size_t d = EditDistance(lower, c);
    if (d < best_distance && d < std::max<size_t>(c.size(), 2)) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::string> FieldReader::Text(const std::string& field, const std::string& s) {
  bool damaged = text_damaged_ && s.find(kReplacementChar) != std::string::npos;
  auto nfc = damaged ? Result<std::string>(Error{"ill-formed"}) : NormalizeNfc(s);
  if (!nfc.ok()) {
    problems_.Add(field, ShortenUtf8(s, kValueChars), msg::FieldNotUtf8(field));
    return std::nullopt;
  }
  return std::move(nfc).value();
}

bool FieldReader::CheckCharacters(const std::string& field, std::string* text, Shape shape) {
  if (shape == Shape::kText && text->find('\r') != std::string::npos) {
    std::string normalized;
    normalized.reserve(text->size());
    for (size_t i = 0; i < text->size(); ++i) {
      if ((*text)[i] != '\r') {
        normalized += (*text)[i];
      } else if (i + 1 >= text->size() || (*text)[i + 1] != '\n') {
        normalized += '\n';
      }
    }
    *text = std::move(normalized);
  }
  auto refused = FindRefusedChar(*text, shape == Shape::kText ? "\n\t" : "");
  if (!refused) return true;
  bool line_break = refused->code_point == '\n' || refused->code_point == '\r' ||
                    refused->code_point == 0x2028 || refused->code_point == 0x2029;
  problems_.Add(field, Shown(*text),
                msg::ControlChar(field, DescribeCodePoint(refused->code_point), refused->position,
                                 line_break, shape == Shape::kText));
  return false;
}

std::optional<std::string> FieldReader::String(const std::string& field, const json& v, Shape shape,
                                               std::string_view example_vi) {
  if (!v.is_string()) {
    problems_.Add(field, ShowValue(v),
                  msg::WrongType(field, v.type(), msg::Expected::kString, example_vi));
    return std::nullopt;
  }
  auto text = Text(field, v.get_ref<const std::string&>());
  if (!text) return std::nullopt;
  if (shape == Shape::kLine) *text = Trim(*text);
  if (!CheckCharacters(field, &*text, shape)) return std::nullopt;
  if (shape != Shape::kText) {
    if (size_t n = CountCharacters(*text); n > kMaxLineChars) {
      problems_.Add(field, Shown(*text), msg::LineTooLong(field, n, kMaxLineChars));
      return std::nullopt;
    }
  }
  return text;
}

std::optional<std::string> FieldReader::OptionalLine(const json& object, const char* key) {
  const json* v = Find(object, key);
  if (!v || v->is_null()) return std::nullopt;
  auto text = String(key, *v, Shape::kLine);
  if (text && text->empty()) return std::nullopt;
  return text;
}

std::optional<std::string> FieldReader::RequiredLine(const json& object, const char* key,
                                                     const Message& missing, const Message& empty,
                                                     std::string_view example_vi) {
  const json* v = Find(object, key);
  if (!v) {
    problems_.Add(key, "", missing);
    return std::nullopt;
  }
  auto text = String(key, *v, Shape::kLine, example_vi);
  if (!text) return std::nullopt;
  if (text->empty()) {
    problems_.Add(key, ShowValue(*v), empty);
    return std::nullopt;
  }
  return text;
}

void FieldReader::UnknownKeys(const json& object, const std::string& prefix,
                              const std::vector<std::string>& allowed, msg::KeyPlace place) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string field = prefix + Shown(key);
    auto guess = Closest(key, allowed);
    if (text_damaged_ && key.find(kReplacementChar) != std::string::npos) {
      (void)Text(field, key);
    }
    problems_.Add(field, ShowValue(value), msg::UnknownKey(Shown(key), allowed, guess, place));
  }
}

void FieldReader::WrongType(const std::string& field, const json& v, msg::Expected expected) {
  problems_.Add(field, ShowValue(v), msg::WrongType(field, v.type(), expected));
}

}  // namespace loa
