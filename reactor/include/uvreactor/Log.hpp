// Log: the library's one line-per-event diagnostic channel, to stderr.
//
// Rejections (limits, idle timeouts, slow consumers, bad frames) are logged
// with the peer's address at Info, so an operator sees why a client was cut
// off; per-message events never are. A line a peer can cause goes through a
// LogRateLimit (LogRateLimit.hpp), so a flood of bad peers logs a bounded
// number of lines and a count of the rest. The level is process-wide and set once at
// start-up (not thread-safe to change while loops run).
#pragma once

#include <optional>
#include <string_view>

namespace uvreactor {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };

void setLogLevel(LogLevel level);
LogLevel logLevel();
std::optional<LogLevel> parseLogLevel(std::string_view name);
void logLine(LogLevel level, std::string_view message);
// A tag after "uvreactor" on every line, naming the process among others
// ("worker 2"); empty by default. Set before the loop starts.
void setLogTag(std::string_view tag);

inline bool logEnabled(LogLevel level) {
  return level >= logLevel();
}

}  // namespace uvreactor
