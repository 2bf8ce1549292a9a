// Human-readable log lines on stderr (journald adds time and unit there).
// English only; never pass a secret to these functions.
//
// Every message is escaped on its way out (see EscapeForLog): file names,
// ids and platform answers reach the log, and a newline or terminal escape
// inside one must not forge a line of its own or repaint the operator's
// terminal. One Log() call is always exactly one line.
#pragma once

#include <string>
#include <string_view>

namespace loa {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }
// Multi-line text (a config with several problems): one Log() line per line
// of `text`, each after `lead`, so that under journald every line carries
// its priority.
void LogLines(LogLevel level, std::string_view lead, std::string_view text);

// `text` with every control character written as an escape: \n, \r, \t, and
// \xNN for the other C0 bytes and DEL; C1 controls (U+0080-U+009F) and the
// Unicode line and paragraph separators as \uNNNN; every byte that is not
// part of valid UTF-8 (stray continuation bytes, overlong forms, surrogates,
// code points above U+10FFFF, a truncated sequence) as \xNN. Valid UTF-8
// text such as Vietnamese is kept as it is.
std::string EscapeForLog(std::string_view text);

// A value from outside (file name, id, platform text) for a message:
// EscapeForLog's escapes plus \" and \\, inside double quotes, so where the
// value ends is never in doubt.
std::string Quoted(std::string_view value);

}  // namespace loa
