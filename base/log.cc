#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "base/utf8.h"

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

// C0 controls and DEL; the C1 controls, which include NEL (U+0085) that
// some viewers break lines on; U+2028/U+2029, line breaks by definition.
bool EscapedInLog(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

constexpr EscapeRules kLogRules{EscapedInLog, /*c_style_ascii=*/true, /*quote=*/false,
                                /*upper_case_hex=*/false};
constexpr EscapeRules kQuotedRules{EscapedInLog, /*c_style_ascii=*/true, /*quote=*/true,
                                   /*upper_case_hex=*/false};

}  // namespace

std::string EscapeForLog(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(out, text, kLogRules);
  return out;
}

std::string Quoted(std::string_view value) {
  std::string out = "\"";
  out.reserve(value.size() + 2);
  AppendEscaped(out, value, kQuotedRules);
  out += '"';
  return out;
}

void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  std::string line = Prefix(level);
  AppendEscaped(line, message, kLogRules);
  line.push_back('\n');
  std::lock_guard lock(g_mu);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

void LogLines(LogLevel level, std::string_view lead, std::string_view text) {
  do {
    size_t end = text.find('\n');
    std::string line(lead);
    line += text.substr(0, end);
    Log(level, line);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  } while (!text.empty());
}

}  // namespace loa
