// Internal: the connections of one loop with output waiting to be written.
//
// Sends made while the loop dispatches events are only queued; each
// connection with queued output is listed here once, and the list is flushed
// twice per loop iteration: in a check handle, right after the I/O callbacks
// of the iteration, and in a prepare handle, right before the loop waits, for
// what timers, write completions and close callbacks sent. So a connection
// gets one gathered write per iteration for everything it was sent, and
// nothing is held across a wait (Redis flushes its clients before it sleeps
// for the same reason). The handles are active only while the list is not
// empty, and they keep the loop alive meanwhile, so uv_run never returns with
// output held.
//
// It also holds the loop's ConnectionDeadlines (one timer for every
// connection's timeout). Owned by the Loop; freed in the close callback of
// its last handle. Loop-thread only.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ConnectionTimer.hpp"

namespace uvreactor::detail {

class TcpConnection;

class FlushList {
 public:
  static constexpr uint32_t kNotListed = UINT32_MAX;

  static FlushList* create(uv_loop_t* loop);
  // Closes the handles; the object is deleted once they are closed.
  void destroy();

  void add(TcpConnection& connection);
  void remove(TcpConnection& connection);
  bool isOwnHandle(const uv_handle_t* handle) const;
  ConnectionDeadlines& deadlines() { return deadlines_; }

 private:
  FlushList() = default;
  void run();
  void stop();

  uv_prepare_t prepare_;
  uv_check_t check_;
  uv_idle_t idle_;
  ConnectionDeadlines deadlines_;
  std::vector<TcpConnection*> list_;
  bool active_ = false;
  int openHandles_ = 0;
};

}  // namespace uvreactor::detail
