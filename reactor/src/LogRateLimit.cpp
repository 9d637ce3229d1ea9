#include "uvreactor/LogRateLimit.hpp"

#include <chrono>
#include <string>

namespace uvreactor {

void LogRateLimit::log(LogLevel level, std::string_view message) {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  log(level, message,
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
}

void LogRateLimit::log(LogLevel level, std::string_view message, uint64_t nowMs) {
  // A line the level hides costs nothing and is not counted.
  if (level == LogLevel::Off || !logEnabled(level)) return;
  std::string note;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || nowMs - windowStart_ >= windowMs_) {
      if (suppressed_ != 0) {
        note = " [suppressed " + std::to_string(suppressed_) + " similar line(s) in the last " +
               std::to_string((nowMs - windowStart_) / 1000) + " s]";
      }
      started_ = true;
      windowStart_ = nowMs;
      logged_ = 0;
      suppressed_ = 0;
      last_.clear();
    }
    if (logged_ == burst_) {  // counted only: no allocation once `last_` has grown
      ++suppressed_;
      level_ = level;
      last_.assign(message);
      return;
    }
    if (++logged_ == burst_) {
      note += " [more like this within " + std::to_string(windowMs_ / 1000) +
              " s are counted, not logged]";
    }
  }
  std::string line(message);
  line += note;
  logLine(level, line);
}

void LogRateLimit::flush() {
  std::string line;
  LogLevel level;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (suppressed_ == 0) return;
    line =
        "[suppressed " + std::to_string(suppressed_) + " similar line(s), the last: " + last_ + "]";
    level = level_;
    suppressed_ = 0;
    last_.clear();
  }
  logLine(level, line);
}

uint64_t LogRateLimit::suppressed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return suppressed_;
}

}  // namespace uvreactor
