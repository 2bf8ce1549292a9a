#include "inbox/item_problems.h"

#include <algorithm>

#include "inbox/utf8.h"

namespace loa {

using nlohmann::json;

std::string Shown(std::string_view s) { return ShortenUtf8(s, kValueChars); }

// The value may be huge or nested as deep as the reading step allows, so it
// is written with an explicit stack and stops once it has more than it can
// show.
std::string ShowValue(const json& v) {
  if (v.is_string()) return Shown(v.get_ref<const std::string&>());
  constexpr size_t kBudget = kValueChars * 4;
  std::string out;
  auto scalar = [&](const json& s) {
    if (s.is_string()) {
      out += json(Shown(s.get_ref<const std::string&>()))
                 .dump(-1, ' ', false, json::error_handler_t::replace);
    } else {
      out += s.dump();  // a number, boolean or null: flat
    }
  };
  struct Frame {
    const json* node;
    json::const_iterator next;
    bool first;
  };
  std::vector<Frame> stack;
  auto enter = [&](const json& n) {
    if (!n.is_structured()) return scalar(n);
    out += n.is_object() ? '{' : '[';
    stack.push_back(Frame{&n, n.cbegin(), true});
  };
  enter(v);
  while (!stack.empty() && out.size() < kBudget) {
    Frame& top = stack.back();
    if (top.next == top.node->cend()) {
      out += top.node->is_object() ? '}' : ']';
      stack.pop_back();
      continue;
    }
    if (!top.first) out += ',';
    top.first = false;
    auto it = top.next++;
    if (top.node->is_object()) {
      out += json(Shown(it.key())).dump(-1, ' ', false, json::error_handler_t::replace) + ':';
    }
    enter(*it);  // may grow `stack`: `top` is not used after this
  }
  return Shown(out);
}

void ProblemList::Add(std::string_view field, std::string_view value, const Message& message) {
  problems_.push_back(Problem{EscapeForDisplay(ShortenUtf8(field, kValueChars * 2)),
                              EscapeForDisplay(value), EscapeForDisplay(message.vi),
                              EscapeForDisplay(message.en)});
  codes_.push_back(message.code);
}

bool ProblemList::Has(ProblemCode code) const {
  return std::find(codes_.begin(), codes_.end(), code) != codes_.end();
}

std::vector<Problem> ProblemList::Take() && { return std::move(problems_); }

}  // namespace loa
