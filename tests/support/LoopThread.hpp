// LoopThread: a Loop running on its own thread, so a test can drive real
// sockets with plain blocking clients from the test thread.
//
// call() runs a function on the loop thread and waits for its result (all
// reactor objects are created and destroyed through it). shutdown() stops the
// loop and returns Loop::close()'s verdict: a test asserts it is ok, which
// proves every handle was closed and the uv_loop_t closed cleanly.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>

#include "uvreactor/Error.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor::test {

class LoopThread {
 public:
  LoopThread();
  ~LoopThread();

  Loop& loop() { return *loop_; }

  template <class F>
  auto call(F&& f) -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    auto result = task->get_future();
    loop_->post([task] { (*task)(); });
    return result.get();
  }

  // Stops the loop thread and closes the loop; idempotent.
  Error shutdown();

 private:
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::promise<Error> closed_;
  std::shared_future<Error> closedResult_;
  bool joined_ = false;
};

}  // namespace uvreactor::test
