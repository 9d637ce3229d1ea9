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

struct Loop::Poster {
  uv_async_t async;
  std::mutex mutex;
  std::vector<std::function<void()>> queue;

  void drain() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> lock(mutex);
      batch.swap(queue);
    }
    for (auto& work : batch) detail::shielded("posted work", work);
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
  poster_->async.data = poster_;
  uv_async_init(loop_, &poster_->async,
                [](uv_async_t* a) { static_cast<Poster*>(a->data)->drain(); });
  // Posting is an entry point, not work: it must not keep run() from returning.
  uv_unref(reinterpret_cast<uv_handle_t*>(&poster_->async));
}

Loop::~Loop() {
  if (owned_) {
    Error e = close();
    if (e) logLine(LogLevel::Error, e.message());
  } else if (poster_ != nullptr) {
    // The embedding application runs the loop that will call this back.
    detail::closeAndDelete(poster_, reinterpret_cast<uv_handle_t*>(&poster_->async));
    flushes_->destroy();
  }
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

void Loop::post(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(poster_->mutex);
    poster_->queue.push_back(std::move(work));
  }
  uv_async_send(&poster_->async);
}

std::size_t Loop::liveHandleCount() const {
  struct Count {
    const void* own;
    const detail::FlushList* flushes;
    std::size_t n;
  } count{poster_ != nullptr ? &poster_->async : nullptr, flushes_, 0};
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
  poster_->drain();
  detail::closeAndDelete(poster_, reinterpret_cast<uv_handle_t*>(&poster_->async));
  poster_ = nullptr;
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
