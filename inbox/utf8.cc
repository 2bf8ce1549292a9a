#include "inbox/utf8.h"

#include <utf8proc.h>

#include <cstdlib>

namespace loa {

namespace {

// Length of the well-formed sequence at s[pos], or 0 when it is ill-formed.
size_t SequenceAt(std::string_view s, size_t pos) {
  utf8proc_int32_t cp;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                            static_cast<utf8proc_ssize_t>(s.size() - pos), &cp);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    size_t n = SequenceAt(s, pos);
    if (n == 0) return pos;
    pos += n;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

Result<std::string> NormalizeNfc(std::string_view s) {
  if (s.empty()) return std::string();
  utf8proc_uint8_t* out = nullptr;
  auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                        static_cast<utf8proc_ssize_t>(s.size()), &out,
                        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    std::free(out);
    return Error{std::string("not valid UTF-8: ") + utf8proc_errmsg(n)};
  }
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

std::string RepairUtf8(std::string_view s, size_t* replaced) {
  std::string out;
  out.reserve(s.size());
  size_t count = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t n = static_cast<unsigned char>(s[pos]) < 0x80 ? 1 : SequenceAt(s, pos);
    if (n == 0) {
      out += kReplacementChar;
      ++count;
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
  }
  if (replaced) *replaced = count;
  return out;
}

std::string ShortenUtf8(std::string_view s, size_t max_chars) {
  std::string out;
  size_t pos = 0;
  size_t chars = 0;
  while (pos < s.size()) {
    if (chars == max_chars) return out + "…";
    size_t n = static_cast<unsigned char>(s[pos]) < 0x80 ? 1 : SequenceAt(s, pos);
    if (n == 0) {
      out += kReplacementChar;
      ++pos;
    } else {
      out.append(s.substr(pos, n));
      pos += n;
    }
    ++chars;
  }
  return out;
}

}  // namespace loa
