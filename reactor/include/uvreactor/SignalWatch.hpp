// SignalWatch: runs a callback on the loop thread when a process signal
// (SIGINT, SIGTERM, ...) arrives, for graceful shutdown.
//
// It does not keep the loop alive: once the last listener and connection have
// closed, run() returns even though the watch is still installed. Owns its
// uv_signal_t handles; loop-thread only. The callback may destroy the watch
// (and whatever owns it): it runs from a copy.
#pragma once

#include <functional>
#include <initializer_list>
#include <vector>

#include "uvreactor/Loop.hpp"

namespace uvreactor {

class SignalWatch {
 public:
  SignalWatch(Loop& loop, std::initializer_list<int> signals, std::function<void(int)> callback);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  struct Handle;
  std::vector<Handle*> handles_;
  std::function<void(int)> callback_;
};

}  // namespace uvreactor
