// LogRateLimit: one kind of log line that a peer can cause (a refused
// connection, a bad frame, a handler's exception), let through at most
// `burst` times per window and counted past that, so a flood of bad input
// cannot become a flood of log output.
//
// The line that fills a window says that more are being counted; the first
// line after the window reports how many were suppressed, and so does the
// destructor (or flush()) if lines are still unreported. Give each kind of
// line its own instance (a function-local static is the usual home: the
// limit then holds for the whole process, however many connections or
// listeners cause the line). Thread-safe: loops on several threads may
// share an instance.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "uvreactor/Log.hpp"

namespace uvreactor {

class LogRateLimit {
 public:
  explicit LogRateLimit(unsigned burst = 10, uint64_t windowMs = 10000)
      : burst_(burst == 0 ? 1 : burst), windowMs_(windowMs) {}
  ~LogRateLimit() { flush(); }
  LogRateLimit(const LogRateLimit&) = delete;
  LogRateLimit& operator=(const LogRateLimit&) = delete;

  // Logs `message` at `level` unless this window's burst is spent; the
  // clock is a monotonic one (or `nowMs`, for tests).
  void log(LogLevel level, std::string_view message);
  void log(LogLevel level, std::string_view message, uint64_t nowMs);
  // Lines suppressed in the current window, not yet reported.
  uint64_t suppressed() const;
  // Reports the suppressed lines now, with the last of them, if any.
  void flush();

 private:
  const unsigned burst_;
  const uint64_t windowMs_;
  mutable std::mutex mutex_;
  bool started_ = false;
  uint64_t windowStart_ = 0;
  unsigned logged_ = 0;  // in this window
  uint64_t suppressed_ = 0;
  LogLevel level_ = LogLevel::Info;  // of the last suppressed line
  std::string last_;                 // the last suppressed line
};

}  // namespace uvreactor
