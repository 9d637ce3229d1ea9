#include "ConnectionTimer.hpp"

#include "CloseAndDelete.hpp"

namespace uvreactor::detail {

struct ConnectionTimer::Box {
  uv_timer_t timer;
  Fire fire;
  void* owner;  // null once stopped
};

void ConnectionTimer::arm(uv_loop_t* loop, uint64_t ms, Fire fire, void* owner) {
  if (box_ == nullptr) {
    box_ = new Box{{}, fire, owner};
    uv_timer_init(loop, &box_->timer);
    box_->timer.data = box_;
  }
  box_->fire = fire;
  box_->owner = owner;
  uv_timer_start(
      &box_->timer,
      [](uv_timer_t* t) {
        auto* box = static_cast<Box*>(t->data);
        if (box->owner != nullptr) box->fire(box->owner);
      },
      ms, 0);
}

void ConnectionTimer::stop() {
  if (box_ == nullptr) return;
  box_->owner = nullptr;
  closeAndDelete(box_, reinterpret_cast<uv_handle_t*>(&box_->timer));
  box_ = nullptr;
}

}  // namespace uvreactor::detail
