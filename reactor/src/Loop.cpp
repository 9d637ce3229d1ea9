#include "uvreactor/Loop.hpp"

#include <mutex>
#include <string>
#include <vector>

#include "CloseAndDelete.hpp"
#include "FlushList.hpp"
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
    for (auto& work : batch) work();
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

Error Loop::close() {
  if (!owned_ || closed_) return {};
  closed_ = true;
  // Close callbacks of objects already destroyed run here.
  while (uv_run(loop_, UV_RUN_NOWAIT) != 0) {
  }
  poster_->drain();
  std::size_t leaked = liveHandleCount();
  detail::closeAndDelete(poster_, reinterpret_cast<uv_handle_t*>(&poster_->async));
  poster_ = nullptr;
  flushes_->destroy();
  flushes_ = nullptr;
  std::string leakedTypes;
  uv_walk(
      loop_,
      [](uv_handle_t* h, void* arg) {
        if (uv_is_closing(h)) return;
        auto* names = static_cast<std::string*>(arg);
        *names += names->empty() ? "" : ", ";
        *names += uv_handle_type_name(uv_handle_get_type(h));
        uv_close(h, nullptr);
      },
      &leakedTypes);
  uv_run(loop_, UV_RUN_DEFAULT);
  int rc = uv_loop_close(loop_);
  delete loop_;
  loop_ = nullptr;
  if (leaked != 0) {
    return Error(UV_EBUSY,
                 "loop close: " + std::to_string(leaked) + " handle(s) still open: " + leakedTypes);
  }
  if (rc != 0) return Error::fromUv(rc, "loop close");
  return {};
}

}  // namespace uvreactor
