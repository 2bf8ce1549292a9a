#include "inbox/channel_limits.h"

#include "inbox/utf8.h"

namespace loa {

size_t CountCharacters(std::string_view text) {
  auto nfc = NormalizeNfc(text);
  std::string_view s = nfc.ok() ? std::string_view(*nfc) : text;
  size_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace loa
