#include "support/LoopThread.hpp"

#include "uvreactor/Timer.hpp"

namespace uvreactor::test {

LoopThread::LoopThread() : loop_(std::make_unique<Loop>()) {
  closedResult_ = closed_.get_future().share();
  std::promise<void> started;
  auto ready = started.get_future();
  thread_ = std::thread([this, &started] {
    {
      // Wakes the loop now and then, so stop_ is seen even with nothing to do.
      Timer heartbeat(*loop_);
      heartbeat.start(20, 20, [] {});
      started.set_value();
      while (!stop_) loop_->runOnce(true);
    }
    closed_.set_value(loop_->close());
  });
  ready.wait();
}

LoopThread::~LoopThread() {
  static_cast<void>(shutdown());  // a test that cares asserts shutdown() itself
}

Error LoopThread::shutdown() {
  if (!joined_) {
    stop_ = true;
    thread_.join();
    joined_ = true;
  }
  return closedResult_.get();
}

}  // namespace uvreactor::test
