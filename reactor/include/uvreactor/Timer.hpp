// Timer: a one-shot or repeating callback on the loop thread.
//
// The Timer object owns its uv_timer_t; destroying the Timer (even from inside
// its own callback) stops it, and the handle is freed in its close callback.
// Loop-thread only.
#pragma once

#include <cstdint>
#include <functional>

#include "uvreactor/Loop.hpp"

namespace uvreactor {

class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // Fires after timeoutMs, then every repeatMs if non-zero. Restarting replaces
  // the callback.
  void start(uint64_t timeoutMs, uint64_t repeatMs, std::function<void()> callback);
  void stop();
  bool active() const;
  // A timer that must not keep the loop alive (housekeeping, not work).
  void unref();

 private:
  struct State;
  State* state_;
};

}  // namespace uvreactor
