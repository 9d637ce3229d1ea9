// ManualClock: time that moves only when a test says so.
//
// Test-support (not used by the reactor itself). Callbacks scheduled on it run
// from advance(), in due order, so timeout logic is tested without sleeping.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace uvreactor::testing {

class ManualClock {
 public:
  using Id = uint64_t;

  uint64_t nowMs() const { return now_; }

  Id schedule(uint64_t delayMs, std::function<void()> callback) {
    Id id = ++lastId_;
    due_.emplace(std::make_pair(now_ + delayMs, id), std::move(callback));
    return id;
  }

  void cancel(Id id) {
    for (auto it = due_.begin(); it != due_.end(); ++it) {
      if (it->first.second == id) {
        due_.erase(it);
        return;
      }
    }
  }

  // Moves time forward, running each callback that falls due at its own time.
  void advance(uint64_t ms) {
    uint64_t end = now_ + ms;
    while (!due_.empty() && due_.begin()->first.first <= end) {
      auto node = due_.extract(due_.begin());
      now_ = node.key().first;
      node.mapped()();
    }
    now_ = end;
  }

  std::size_t pending() const { return due_.size(); }

 private:
  uint64_t now_ = 0;
  Id lastId_ = 0;
  std::map<std::pair<uint64_t, Id>, std::function<void()>> due_;
};

}  // namespace uvreactor::testing
