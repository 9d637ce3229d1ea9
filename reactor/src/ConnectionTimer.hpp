// Internal: the one timer a connection uses, for whichever deadline its
// state has (the TLS handshake's, the idle timeout's, the close timeout's).
//
// Nothing is allocated until the first arm(): a connection without an idle
// timeout holds only a pointer while open. The uv_timer_t lives in a box
// that outlives the owner until its uv_close callback; stop() (or the
// destructor) detaches the owner, so a late expiry never reaches it.
// Loop-thread only.
#pragma once

#include <uv.h>

#include <cstdint>

namespace uvreactor::detail {

class ConnectionTimer {
 public:
  using Fire = void (*)(void* owner);

  ConnectionTimer() = default;
  ConnectionTimer(const ConnectionTimer&) = delete;
  ConnectionTimer& operator=(const ConnectionTimer&) = delete;
  ~ConnectionTimer() { stop(); }

  // (Re)starts the timer: `fire(owner)` in `ms` milliseconds, once.
  void arm(uv_loop_t* loop, uint64_t ms, Fire fire, void* owner);
  void stop();

 private:
  struct Box;
  Box* box_ = nullptr;
};

}  // namespace uvreactor::detail
