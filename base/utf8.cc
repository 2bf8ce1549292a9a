#include "base/utf8.h"

#include "base/encode.h"

namespace loa {

size_t DecodeUtf8At(std::string_view s, size_t i, char32_t& cp) {
  auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  size_t len;
  char32_t min;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, min = 0x80, cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, min = 0x800, cp = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, min = 0x10000, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendEscaped(std::string& out, std::string_view s, const EscapeRules& rules) {
  const bool upper = rules.upper_case_hex;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t len = DecodeUtf8At(s, i, cp);
    if (len == 0) {
      out += "\\x" + HexDigits(static_cast<unsigned char>(s[i]), 2, upper);
      ++i;
      continue;
    }
    if (rules.quote && (cp == '"' || cp == '\\')) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (!rules.escapes || !rules.escapes(cp)) {
      out.append(s.substr(i, len));
    } else if (rules.c_style_ascii && cp == '\n') {
      out += "\\n";
    } else if (rules.c_style_ascii && cp == '\r') {
      out += "\\r";
    } else if (rules.c_style_ascii && cp == '\t') {
      out += "\\t";
    } else if (rules.c_style_ascii && cp < 0x80) {
      out += "\\x" + HexDigits(static_cast<uint32_t>(cp), 2, upper);
    } else {
      out += "\\u" + HexDigits(static_cast<uint32_t>(cp), cp > 0xFFFF ? 6 : 4, upper);
    }
    i += len;
  }
}

}  // namespace loa
