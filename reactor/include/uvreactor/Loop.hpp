// Loop: the single-threaded libuv event loop that every other object runs on.
//
// A Loop either owns its uv_loop_t (default constructor) or embeds itself in
// one that the application already runs (Loop(uv_loop_t*)); in the embedded
// case the application keeps calling uv_run and the Loop never closes the
// uv_loop_t. Objects created on a Loop (listeners, timers, sockets) should
// be destroyed before it; if one is not, close() (and the owning Loop's
// destructor) closes its handle, names it in the returned Error, and the
// object may still be destroyed afterwards: it then frees its memory
// without touching libuv, and its handlers hear onClose.
//
// Threading: everything here is loop-thread only except post(), which any
// thread may call while the Loop object exists (after close() it refuses,
// returning false); the work runs on the loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "uvreactor/Error.hpp"

// libuv's loop type, declared as libuv declares it: the embedding
// constructor takes one, and no other libuv type is part of the API, so
// including this header does not bring in <uv.h> and its macros.
struct uv_loop_s;
typedef struct uv_loop_s uv_loop_t;

namespace uvreactor {
namespace detail {
class FlushList;
}

class Loop {
 public:
  Loop();
  explicit Loop(uv_loop_t* existing);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* raw() const { return loop_; }
  bool ownsLoop() const { return owned_; }

  // Runs until stop() or until nothing keeps the loop alive. Returns
  // the uv_run result (non-zero: stop() was called with work still active).
  int run();
  // One iteration; waits for events when `wait` is set. True if more work remains.
  bool runOnce(bool wait);
  void stop();

  // Thread-safe: queue `work` to run on the loop thread. A post does not keep
  // the loop alive by itself; post while something (a listener, a timer) runs.
  // Returns false, and destroys `work` unrun, once close() has begun (work
  // queued before that runs within close()): a thread that outlives the
  // loop's run, as a reader delivering its last result at shutdown does,
  // learns that its work was dropped instead of crashing the process. The
  // Loop object itself must still be alive.
  bool post(std::function<void()> work);

  // Loop time in milliseconds, cached per iteration (no syscall).
  uint64_t nowMs() const;

  // Handles still open on this loop, other than the Loop's own.
  std::size_t liveHandleCount() const;

  // Owned loops only: lets pending close callbacks run, closes any handle
  // still open (reporting it as leaked), and closes the uv_loop_t. The
  // destructor calls this; tests call it to assert a clean teardown.
  Error close();

  // One read buffer shared by every stream on this loop: libuv calls the read
  // callback right after the allocation, so no two reads can overlap.
  static constexpr std::size_t kSlabSize = 64 * 1024;
  char* readSlab() { return slab_; }
  bool inReadSlab(const char* p) const { return p >= slab_ && p < slab_ + kSlabSize; }

  // Internal: the connections whose output is written once per iteration.
  detail::FlushList& flushList() { return *flushes_; }

 private:
  struct Poster;
  void startPoster();
  uv_loop_t* loop_ = nullptr;
  bool owned_ = false;
  bool closed_ = false;
  Poster* poster_ = nullptr;
  detail::FlushList* flushes_ = nullptr;
  char* slab_ = nullptr;
};

}  // namespace uvreactor
