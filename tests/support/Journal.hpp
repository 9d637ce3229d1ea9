// Journal: what a handler saw on the loop thread, read by the test thread.
// Entries are strings ("open", "close:reason", ...); waitFor polls for a
// prefix with a bounded wait, so a missing event fails, never hangs.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace uvreactor::test {

struct Journal {
  std::mutex mutex;
  std::vector<std::string> events;
  void add(std::string e) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(e));
  }
  std::vector<std::string> snapshot() {
    std::lock_guard<std::mutex> lock(mutex);
    return events;
  }
  std::size_t count(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mutex);
    std::size_t n = 0;
    for (auto& e : events) n += e.rfind(prefix, 0) == 0;
    return n;
  }
  // True once `n` entries start with `prefix`; false after about 5 s.
  bool waitFor(const std::string& prefix, std::size_t n = 1) {
    for (int i = 0; i < 500; ++i) {
      if (count(prefix) >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

}  // namespace uvreactor::test
