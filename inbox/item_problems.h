// Where the item parser's steps record what they found wrong, and how they
// quote the offending values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "inbox/item_messages.h"
#include "inbox/item_parser.h"

namespace loa {

// A quoted value is at most this many characters.
inline constexpr size_t kValueChars = 80;

// At most kValueChars characters of `s`, for quoting in a problem.
std::string Shown(std::string_view s);

// A short one-line rendering of any JSON value for a problem: never
// recursive, never longer than a few hundred bytes, however big or deep the
// value is.
std::string ShowValue(const nlohmann::json& v);

// The problems found so far, in the order found (the order reports list them).
class ProblemList {
 public:
  // Whatever the problem quotes from the item is shown on one line, with
  // control characters and bad bytes escaped (EscapeForDisplay), so no
  // report or log line can be forged or garbled by an item.
  void Add(std::string_view field, std::string_view value, const Message& message);
  bool Has(ProblemCode code) const;
  bool empty() const { return problems_.empty(); }
  std::vector<Problem> Take() &&;

 private:
  std::vector<Problem> problems_;
  std::vector<ProblemCode> codes_;
};

}  // namespace loa
