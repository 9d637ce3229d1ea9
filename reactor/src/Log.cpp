#include "uvreactor/Log.hpp"

#include <cstdio>
#include <string>

namespace uvreactor {
namespace {
LogLevel gLevel = LogLevel::Warn;
std::string& tag() {
  static auto* text = new std::string;  // never destroyed: logging may outlive statics
  return *text;
}
}  // namespace

void setLogTag(std::string_view text) {
  tag() = text;
}

void setLogLevel(LogLevel level) {
  gLevel = level;
}
LogLevel logLevel() {
  return gLevel;
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::Debug;
  if (name == "info") return LogLevel::Info;
  if (name == "warn") return LogLevel::Warn;
  if (name == "error") return LogLevel::Error;
  if (name == "off") return LogLevel::Off;
  return std::nullopt;
}

void logLine(LogLevel level, std::string_view message) {
  // Off is a threshold, not a level a line can have.
  if (level == LogLevel::Off || !logEnabled(level)) return;
  static const char* const kNames[] = {"debug", "info", "warn", "error"};
  std::string line = "uvreactor ";
  if (!tag().empty()) {
    line += tag();
    line += ' ';
  }
  line += kNames[static_cast<int>(level)];
  line += ": ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace uvreactor
