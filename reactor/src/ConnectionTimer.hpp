// Internal: the one timer a connection uses, for whichever deadline its
// state has (the TLS handshake's, the idle timeout's, the close timeout's),
// and the loop's list that drives them all with one uv_timer_t.
//
// A libuv timer is a 152-byte handle; a connection's deadline here is an
// entry in the loop's DeadlineHeap (a pointer there, a few words here).
// The loop's timer is set for the earliest deadline; when it fires, every
// deadline due is called back. stop() (or the destructor) removes the
// entry, so a late expiry never reaches its owner. Loop-thread only.
#pragma once

#include <uv.h>

#include <cstdint>

#include "DeadlineHeap.hpp"

namespace uvreactor::detail {

class ConnectionTimer;

// One per loop, held by the loop's FlushList, which closes its handle.
class ConnectionDeadlines {
 public:
  void init(uv_loop_t* loop);
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&timer_); }
  const uv_handle_t* handle() const { return reinterpret_cast<const uv_handle_t*>(&timer_); }
  // The loop is closing: every armed timer is disarmed, and none is armed again.
  void detachAll();

 private:
  friend class ConnectionTimer;
  void arm(ConnectionTimer& timer, uint64_t ms);
  void disarm(ConnectionTimer& timer);
  void expire();
  void rearm();

  uv_timer_t timer_;
  DeadlineHeap heap_;
  bool detached_ = false;
};

class ConnectionTimer : private DeadlineHeap::Entry {
 public:
  using Fire = void (*)(void* owner);

  ConnectionTimer() = default;
  ConnectionTimer(const ConnectionTimer&) = delete;
  ConnectionTimer& operator=(const ConnectionTimer&) = delete;
  ~ConnectionTimer() { stop(); }

  // (Re)starts the timer: `fire(owner)` in `ms` milliseconds, once.
  void arm(ConnectionDeadlines& deadlines, uint64_t ms, Fire fire, void* owner) {
    fire_ = fire;
    owner_ = owner;
    deadlines_ = &deadlines;
    deadlines.arm(*this, ms);
  }
  void stop() {
    if (armed()) deadlines_->disarm(*this);
  }

 private:
  friend class ConnectionDeadlines;
  ConnectionDeadlines* deadlines_ = nullptr;
  Fire fire_ = nullptr;
  void* owner_ = nullptr;
};

}  // namespace uvreactor::detail
