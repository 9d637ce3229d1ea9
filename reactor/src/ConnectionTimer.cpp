#include "ConnectionTimer.hpp"

namespace uvreactor::detail {

void ConnectionDeadlines::init(uv_loop_t* loop) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
}

void ConnectionDeadlines::detachAll() {
  detached_ = true;
  heap_.detachAll();
  uv_timer_stop(&timer_);
}

void ConnectionDeadlines::arm(ConnectionTimer& timer, uint64_t ms) {
  if (detached_) return;
  heap_.set(timer, uv_now(timer_.loop) + ms);
  if (timer.index == 0) rearm();  // the new earliest
}

void ConnectionDeadlines::disarm(ConnectionTimer& timer) {
  bool wasEarliest = timer.index == 0;
  heap_.remove(timer);
  // An idle loop must not stay alive for a deadline nobody waits for.
  if (wasEarliest) rearm();
}

void ConnectionDeadlines::expire() {
  uint64_t now = uv_now(timer_.loop);
  heap_.beginPass();
  // Each callback may arm or stop others, or close (and delete) its owner:
  // nothing of a timer is touched after its callback.
  while (DeadlineHeap::Entry* due = heap_.popDue(now)) {
    auto* timer = static_cast<ConnectionTimer*>(due);
    timer->fire_(timer->owner_);
  }
  rearm();
}

void ConnectionDeadlines::rearm() {
  if (heap_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  uint64_t now = uv_now(timer_.loop);
  uint64_t earliest = heap_.earliest();
  uv_timer_start(
      &timer_, [](uv_timer_t* t) { static_cast<ConnectionDeadlines*>(t->data)->expire(); },
      earliest > now ? earliest - now : 0, 0);
}

}  // namespace uvreactor::detail
