#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "base/encode.h"

namespace loa {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mu;

// journald reads "<N>" prefixes as syslog priorities; a terminal gets words.
const char* Prefix(LogLevel level) {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  if (!journal) {
    switch (level) {
      case LogLevel::kDebug:
        return "debug: ";
      case LogLevel::kInfo:
        return "";
      case LogLevel::kWarning:
        return "warning: ";
      case LogLevel::kError:
        return "error: ";
    }
  }
  switch (level) {
    case LogLevel::kDebug:
      return "<7>debug: ";
    case LogLevel::kInfo:
      return "<6>";
    case LogLevel::kWarning:
      return "<4>warning: ";
    case LogLevel::kError:
      return "<3>error: ";
  }
  return "";
}

void AppendByteEscape(std::string& out, unsigned char byte) { out += "\\x" + HexDigits(byte, 2); }

void AppendCodePointEscape(std::string& out, char32_t cp) { out += "\\u" + HexDigits(cp, 4); }

// Length of the valid UTF-8 sequence starting at s[i] and its code point,
// or 0 when s[i] does not start one (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  auto lead = static_cast<unsigned char>(s[i]);
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

void AppendEscaped(std::string& out, std::string_view s, bool quoting) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7F) {
        AppendByteEscape(out, c);
      } else if (quoting && (c == '"' || c == '\\')) {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        out += static_cast<char>(c);
      }
      continue;
    }
    char32_t cp = 0;
    size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      AppendByteEscape(out, c);
      ++i;
      continue;
    }
    // C1 controls include NEL (U+0085), which some viewers break lines on;
    // U+2028/U+2029 are line breaks by definition.
    if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029) {
      AppendCodePointEscape(out, cp);
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
}

}  // namespace

std::string EscapeForLog(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, false);
  return out;
}

std::string Quoted(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  AppendEscaped(out, value, true);
  out += '"';
  return out;
}

void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  std::string line = Prefix(level);
  AppendEscaped(line, message, false);
  line.push_back('\n');
  std::lock_guard lock(g_mu);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace loa
