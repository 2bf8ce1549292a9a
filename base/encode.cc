#include "base/encode.h"

namespace loa {

namespace {

constexpr char kLowerDigits[] = "0123456789abcdef";
constexpr char kUpperDigits[] = "0123456789ABCDEF";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kLowerDigits[c >> 4];
    out[2 * i + 1] = kLowerDigits[c & 15];
  }
  return out;
}

std::string HexDigits(uint32_t value, int digits, bool upper_case) {
  const char* table = upper_case ? kUpperDigits : kLowerDigits;
  std::string out(digits > 0 ? static_cast<size_t>(digits) : 0, '0');
  for (size_t i = out.size(); i > 0; --i) {
    out[i - 1] = table[value & 15];
    value >>= 4;
  }
  return out;
}

std::string PercentEncode(std::string_view text, std::string_view keep) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kUpperDigits[c >> 4];
      out += kUpperDigits[c & 15];
    }
  }
  return out;
}

}  // namespace loa
