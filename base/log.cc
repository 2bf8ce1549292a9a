#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

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
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  std::string line = Prefix(level);
  line.append(message);
  line.push_back('\n');
  std::lock_guard lock(g_mu);
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace loa
