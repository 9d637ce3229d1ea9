// Loop: embedding in an application's uv_loop_t, cross-thread post (run
// under ThreadSanitizer too) and post after close, timers and signal
// watches that destroy themselves, and the leak report on close.
#include <gtest/gtest.h>
#include <uv.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

TEST(Loop, EmbedsInAnExistingUvLoop) {
  uv_loop_t appLoop;
  ASSERT_EQ(uv_loop_init(&appLoop), 0);
  {
    Loop loop(&appLoop);
    auto listener = TcpListener::listen(loop, *Endpoint::parse("127.0.0.1:0"),
                                        protocols::echo::makeEchoFactory());
    ASSERT_TRUE(listener.ok());
    Endpoint at = (*listener)->localEndpoint();
    std::string reply;
    std::atomic<bool> done{false};
    std::thread client([&] {
      SocketClient c(at);
      c.sendAll("embedded\n");
      reply = c.recvLine().value_or("");
      done = true;
    });
    // The application drives its own loop; the reactor just has handles on it.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < deadline) uv_run(&appLoop, UV_RUN_NOWAIT);
    client.join();
    EXPECT_EQ(reply, "embedded");
    listener->reset();
  }
  // Close callbacks of the reactor's handles run on the application's loop.
  uv_run(&appLoop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&appLoop), 0);
}

TEST(Loop, PostFromManyThreadsRunsEveryTaskOnTheLoopThread) {
  LoopThread loop;
  auto listener = loop.call([&] {
    return std::move(*TcpListener::listen(loop.loop(), *Endpoint::parse("127.0.0.1:0"),
                                          protocols::echo::makeEchoFactory()));
  });
  Endpoint at = listener->localEndpoint();
  std::thread::id loopThread = loop.call([] { return std::this_thread::get_id(); });
  std::atomic<int> ran{0}, wrongThread{0};
  int counter = 0;  // touched only on the loop thread: TSan checks that claim
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        loop.loop().post([&] {
          ++counter;
          if (std::this_thread::get_id() != loopThread) ++wrongThread;
          ++ran;
        });
      }
    });
  }
  SocketClient c(at);  // the loop serves clients meanwhile
  for (int i = 0; i < 50; ++i) {
    c.sendAll("x");
    EXPECT_EQ(c.recvExact(1), "x");
  }
  for (auto& p : posters) p.join();
  for (int i = 0; i < 500 && ran < 8000; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ran.load(), 8000);
  EXPECT_EQ(wrongThread.load(), 0);
  EXPECT_EQ(loop.call([&] { return counter; }), 8000);
  loop.call([&] { listener.reset(); });
  EXPECT_TRUE(loop.shutdown().ok());
}

TEST(Loop, TimerFiresAndCanDestroyItselfInItsCallback) {
  Loop loop;
  int fired = 0;
  auto timer = std::make_unique<Timer>(loop);
  timer->start(5, 5, [&] {
    if (++fired == 3) timer.reset();
  });
  loop.run();
  EXPECT_EQ(fired, 3);
  EXPECT_TRUE(loop.close().ok());
}

TEST(Loop, CloseReportsAHandleLeftOpen) {
  Loop loop;
  uv_timer_t leaked;
  uv_timer_init(loop.raw(), &leaked);
  EXPECT_EQ(loop.liveHandleCount(), 1u);
  Error e = loop.close();
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("1 handle(s) still open: timer"), std::string::npos) << e.message();
}

// Work queued before close() runs within it; a post after it (a reader
// thread delivering its last line at shutdown) is refused, and the work is
// destroyed unrun, on any thread.
TEST(Loop, PostAfterCloseIsRefusedAndDropsTheWork) {
  Loop loop;
  auto token = std::make_shared<int>(0);
  bool ranInClose = false;
  bool postedDuringClose = true;
  EXPECT_TRUE(loop.post([&, token] {
    ranInClose = true;
    postedDuringClose = loop.post([] {});
  }));
  ASSERT_TRUE(loop.close().ok());
  EXPECT_TRUE(ranInClose);
  EXPECT_FALSE(postedDuringClose);
  bool ran = false;
  EXPECT_FALSE(loop.post([&ran, token] { ran = true; }));
  bool fromThread = true;
  std::thread other([&] { fromThread = loop.post([&ran, token] { ran = true; }); });
  other.join();
  EXPECT_FALSE(fromThread);
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1) << "refused work was kept, not destroyed";
}

// An embedded Loop's destructor does not run work still queued (the
// application may already have destroyed what it uses): it is dropped.
TEST(Loop, EmbeddedLoopDestroyedDropsWorkStillQueued) {
  uv_loop_t appLoop;
  ASSERT_EQ(uv_loop_init(&appLoop), 0);
  auto token = std::make_shared<int>(0);
  bool ran = false;
  {
    Loop loop(&appLoop);
    EXPECT_TRUE(loop.post([&ran, token] { ran = true; }));
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(token.use_count(), 1);
  uv_run(&appLoop, UV_RUN_DEFAULT);
  EXPECT_FALSE(ran);
  EXPECT_EQ(uv_loop_close(&appLoop), 0);
}

// The supervisor's stop path: the signal's callback destroys the watch's
// owner, and the watch with it. The callback's captures (heap-held: larger
// than std::function's inline buffer) stay alive until it returns.
TEST(Loop, SignalWatchCanBeDestroyedByItsOwnCallback) {
  Loop loop;
  std::unique_ptr<SignalWatch> watch;
  std::vector<std::string> heard;
  std::string name(48, 's');
  watch = std::make_unique<SignalWatch>(loop, std::initializer_list<int>{SIGUSR2, SIGALRM},
                                        [&watch, &heard, name](int signum) {
                                          watch.reset();
                                          heard.push_back(name + std::to_string(signum));
                                        });
  // A watch does not keep the loop running (a server's listener would).
  auto alive = std::make_unique<Timer>(loop);
  alive->start(1, 1, [] {});
  std::raise(SIGUSR2);
  std::raise(SIGALRM);
  for (int i = 0; i < 2000 && heard.empty(); ++i) {
    loop.runOnce(false);
    std::this_thread::sleep_for(1ms);
  }
  for (int i = 0; i < 10; ++i) loop.runOnce(false);  // the second signal finds no watch
  alive.reset();
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], name + std::to_string(SIGUSR2));
  EXPECT_EQ(watch, nullptr);
  EXPECT_TRUE(loop.close().ok());
}
