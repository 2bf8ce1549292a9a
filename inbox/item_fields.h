// Reading one field of an item's JSON: its type, its bytes (UTF-8, NFC),
// the characters it may hold and, for a one-line field, its length. Every
// refusal is a problem in the ProblemList the reader writes to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inbox/item_messages.h"
#include "inbox/item_problems.h"

namespace loa {

// A one-line field (title, summary, caption, ...) is at most this long.
inline constexpr size_t kMaxLineChars = 2000;

// What a text field may hold.
enum class Shape {
  kLine,   // one line: trimmed, no control character, at most kMaxLineChars characters
  kToken,  // one line as written (ids, names, file names): no control character
  kText,   // several lines (body, overrides' text): \n and \t allowed, \r\n and \r read as \n
};

// The member `key` of `object`, or null.
const nlohmann::json* Find(const nlohmann::json& object, const char* key);

// The candidate a typo most likely meant, if one is close enough.
std::optional<std::string> Closest(std::string_view name,
                                   const std::vector<std::string>& candidates);

class FieldReader {
 public:
  // `text_damaged`: the item's text had bytes that were not UTF-8, read as
  // U+FFFD (LoadedItem::invalid_utf8_line); a field holding one is refused.
  FieldReader(ProblemList& problems, bool text_damaged)
      : problems_(problems), text_damaged_(text_damaged) {}

  ProblemList& problems() { return problems_; }

  // A string field: nullopt with a problem when it has the wrong type, bad
  // bytes or a refused character, or is a one-line field over its length.
  // `example_vi` is quoted when the value is not a string.
  std::optional<std::string> String(const std::string& field, const nlohmann::json& v, Shape shape,
                                    std::string_view example_vi = "");

  // An optional single-line text: absent, null and blank all mean "not given".
  std::optional<std::string> OptionalLine(const nlohmann::json& object, const char* key);

  // A required single-line text such as title or approved_by.
  std::optional<std::string> RequiredLine(const nlohmann::json& object, const char* key,
                                          const Message& missing, const Message& empty,
                                          std::string_view example_vi);

  // Refuses the characters IsRefusedCodePoint names (all but \n and \t in
  // a kText); a kText gets its line ends normalized first.
  bool CheckCharacters(const std::string& field, std::string* text, Shape shape);

  // One problem per key of `object` that is not in `allowed`.
  void UnknownKeys(const nlohmann::json& object, const std::string& prefix,
                   const std::vector<std::string>& allowed, messages::KeyPlace place);

  void WrongType(const std::string& field, const nlohmann::json& v, messages::Expected expected);

 private:
  // The NFC form of `s`, or nullopt (with a problem) when it held bytes that
  // were not UTF-8.
  std::optional<std::string> Text(const std::string& field, const std::string& s);

  ProblemList& problems_;
  const bool text_damaged_;
};

}  // namespace loa
