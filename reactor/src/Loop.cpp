#include "uvreactor/Loop.hpp"

#include <mutex>
#include <string>
#include <vector>

#include "CloseAndDelete.hpp"
#include "ExceptionBarrier.hpp"
#include "FlushList.hpp"
#include "ReclaimedHandles.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor {

// The queue outlives the uv_async_t: close() retires the handle but keeps
// the queue (and its mutex) until the Loop is destroyed, so a thread that
// posts after close() finds a closed queue, never freed memory.
struct Loop::Poster {
  struct Async {
    uv_async_t handle;
  };
  Async* async = nullptr;  // null once closed
  std::mutex mutex;
  std::vector<std::function<void()>> queue;

  bool push(std::function<void()>& work) {
    std::lock_guard<std::mutex> lock(mutex);
    if (async == nullptr) return false;
    queue.push_back(std::move(work));
    // Under the lock: close() cannot retire the handle meanwhile.
    uv_async_send(&async->handle);
    return true;
  }

  void drain() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> lock(mutex);
      batch.swap(queue);
    }
    for (auto& work : batch) detail::shielded("posted work", work);
  }

  // Refuses further posts, runs (or drops) what was queued, then closes
  // the handle.
  void retire(bool runQueued) {
    Async* closing;
    std::vector<std::function<void()>> dropped;
    {
      std::lock_guard<std::mutex> lock(mutex);
      closing = async;
      async = nullptr;
      if (!runQueued) dropped.swap(queue);
    }
    if (closing == nullptr) return;
    drain();
    detail::closeAndDelete(closing, reinterpret_cast<uv_handle_t*>(&closing->handle));
  }
};

Loop::Loop() : loop_(new uv_loop_t), owned_(true), slab_(new char[kSlabSize]) {
  uv_loop_init(loop_);
  startPoster();
}

Loop::Loop(uv_loop_t* existing) : loop_(existing), owned_(false), slab_(new char[kSlabSize]) {
  startPoster();
}

void Loop::startPoster() {
  flushes_ = detail::FlushList::create(loop_);
  poster_ = new Poster;
  poster_->async = new Poster::Async;
  poster_->async->handle.data = poster_;
  uv_async_init(loop_, &poster_->async->handle,
                [](uv_async_t* a) { static_cast<Poster*>(a->data)->drain(); });
  // Posting is an entry point, not work: it must not keep run() from returning.
  uv_unref(reinterpret_cast<uv_handle_t*>(&poster_->async->handle));
}

Loop::~Loop() {
  if (owned_) {
    Error e = close();
    if (e) logLine(LogLevel::Error, e.message());
  } else if (poster_ != nullptr) {
    // The embedding application runs the loop that will call this back;
    // work still queued is dropped, as the objects it uses may be gone.
    poster_->retire(false);
    flushes_->destroy();
  }
  delete poster_;
  delete[] slab_;
}

uint64_t Loop::nowMs() const {
  return uv_now(loop_);
}

int Loop::run() {
  return uv_run(loop_, UV_RUN_DEFAULT);
}

bool Loop::runOnce(bool wait) {
  return uv_run(loop_, wait ? UV_RUN_ONCE : UV_RUN_NOWAIT) != 0;
}

void Loop::stop() {
  uv_stop(loop_);
}

bool Loop::post(std::function<void()> work) {
  return poster_->push(work);
}

std::size_t Loop::liveHandleCount() const {
  struct Count {
    const void* own;
    const detail::FlushList* flushes;
    std::size_t n;
  } count{poster_->async != nullptr ? &poster_->async->handle : nullptr, flushes_, 0};
  uv_walk(
      loop_,
      [](uv_handle_t* h, void* arg) {
        auto* c = static_cast<Count*>(arg);
        if (h == c->own || uv_is_closing(h)) return;
        if (c->flushes != nullptr && c->flushes->isOwnHandle(h)) return;
        ++c->n;
      },
      &count);
  return count.n;
}

namespace {
bool anyClosing(uv_loop_t* loop) {
  bool closing = false;
  uv_walk(
      loop, [](uv_handle_t* h, void* arg) { *static_cast<bool*>(arg) |= uv_is_closing(h) != 0; },
      &closing);
  return closing;
}

// Closes every handle not already closing, noting their type names.
struct Reclaimed {
  std::size_t count = 0;
  std::string names;
};
void reclaimOpenHandles(uv_loop_t* loop, Reclaimed& into) {
  uv_walk(
      loop,
      [](uv_handle_t* h, void* arg) {
        if (uv_is_closing(h)) return;
        auto* r = static_cast<Reclaimed*>(arg);
        r->names += r->count++ == 0 ? "" : ", ";
        r->names += uv_handle_type_name(uv_handle_get_type(h));
        detail::markReclaimed(h);
        uv_close(h, nullptr);
      },
      &into);
}
}  // namespace

// Never waits on an active handle: libuv's own tests close a loop the same
// way (walk, close, run). Bounded passes: a close callback may close (or,
// wrongly, open) further handles.
Error Loop::close() {
  if (!owned_ || closed_) return {};
  closed_ = true;
  poster_->retire(true);
  flushes_->destroy();
  flushes_ = nullptr;
  // First the close callbacks of objects already destroyed, which may
  // destroy more (a handler's own timer): those are not leaks.
  for (int pass = 0; pass < 64 && anyClosing(loop_); ++pass) uv_run(loop_, UV_RUN_NOWAIT);
  Reclaimed leaked;
  reclaimOpenHandles(loop_, leaked);
  for (int pass = 0; pass < 64 && uv_loop_alive(loop_); ++pass) {
    uv_run(loop_, UV_RUN_NOWAIT);
    reclaimOpenHandles(loop_, leaked);
  }
  int rc = uv_loop_close(loop_);
  if (rc == 0) {
    delete loop_;
  }  // else: a handle is still closing after every pass; the loop's memory is left to it
  loop_ = nullptr;
  if (leaked.count != 0) {
    return Error(UV_EBUSY, "loop close: " + std::to_string(leaked.count) +
                               " handle(s) still open: " + leaked.names + " (closed now)");
  }
  if (rc != 0) return Error::fromUv(rc, "loop close");
  return {};
}

}  // namespace uvreactor
