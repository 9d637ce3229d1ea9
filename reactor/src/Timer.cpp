#include "uvreactor/Timer.hpp"

#include "CloseAndDelete.hpp"
#include "ExceptionBarrier.hpp"

namespace uvreactor {

struct Timer::State {
  uv_timer_t handle;
  std::function<void()> callback;
};

Timer::Timer(Loop& loop) : state_(new State) {
  uv_timer_init(loop.raw(), &state_->handle);
  state_->handle.data = state_;
}

Timer::~Timer() {
  // The callback may be the one running now; it dies with the State.
  detail::closeAndDelete(state_, reinterpret_cast<uv_handle_t*>(&state_->handle));
}

void Timer::start(uint64_t timeoutMs, uint64_t repeatMs, std::function<void()> callback) {
  state_->callback = std::move(callback);
  uv_timer_start(
      &state_->handle,
      [](uv_timer_t* t) {
        auto* s = static_cast<State*>(t->data);
        // Copy: the callback may restart (and so replace) itself.
        auto cb = s->callback;
        if (cb) detail::shielded("timer callback", cb);
      },
      timeoutMs, repeatMs);
}

void Timer::stop() {
  uv_timer_stop(&state_->handle);
}

bool Timer::active() const {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(&state_->handle)) != 0;
}

void Timer::unref() {
  uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

}  // namespace uvreactor
