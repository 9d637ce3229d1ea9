// Output coalescing over real sockets: everything one loop iteration sends to
// a connection leaves in one write, and every output contract still holds
// (order, one completion per send before onClose, close/abort/half-close
// after sends, water marks and the slow-consumer cap with held output).
// Write syscalls are counted from the loop thread's /proc io counters, so
// removing coalescing makes these tests fail, not just run slower.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "echo/EchoHandler.hpp"
#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// Under the sanitizers write counts are not exact (UBSan's vptr check probes
// memory by writing to a pipe, which the kernel counts as the loop thread's
// writes) and memory carries ASan's shadow and redzones.
#ifdef UVR_SANITIZED
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
constexpr bool kExactWriteCounts = !kSanitized;

// write()/writev() calls made so far by the thread `tid` (the kernel's
// per-task I/O accounting).
uint64_t writeSyscalls(pid_t tid) {
  std::ifstream io("/proc/self/task/" + std::to_string(tid) + "/io");
  std::string key;
  uint64_t value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return UINT64_MAX;
}

std::string numbered(int i) {
  return "line " + std::to_string(i) + "\n";
}

// On "burst": 100 short lines, a shared 4000-byte payload and one with a
// completion, all in one callback; then what the rest of the input asks.
class BurstHandler final : public ConnectionHandler {
 public:
  BurstHandler(Journal& events, Payload shared) : events_(events), shared_(std::move(shared)) {}
  void onData(Connection& c, std::string_view bytes) override {
    std::string command(bytes);
    if (command.rfind("tiny", 0) == 0) {
      // One-byte sends until the connection is cut off (or 16 Mi of them).
      for (int i = 0; i < (16 << 20) && c.isOpen(); ++i) c.send("x");
      return;
    }
    if (command.rfind("flood", 0) == 0) {
      for (int i = 0; i < 400000; ++i) c.send(numbered(i));
      return;
    }
    if (command.rfind("burst", 0) != 0) return;
    for (int i = 0; i < 100; ++i) {
      c.send(numbered(i));
      if (i == 50) c.send(shared_);
    }
    c.send(shared_, [this](const Error& e) { events_.add(e ? "write-cancelled" : "write-done"); });
    if (command.find("close") != std::string::npos) c.close();
    if (command.find("half") != std::string::npos) c.shutdownWrite();
    if (command.find("abort") != std::string::npos) c.abort();
  }
  void onEof(Connection& c) override { c.close(); }
  void onHighWater(Connection&) override { events_.add("high"); }
  void onLowWater(Connection&) override { events_.add("low"); }
  void onClose(Connection&, const Error& reason) override {
    events_.add("close");
    if (reason) events_.add("reason:" + reason.message());
  }

 private:
  Journal& events_;
  Payload shared_;
};

std::string expectedBurst(const Payload& shared) {
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out += numbered(i);
    if (i == 50) out += shared.view();
  }
  out += shared.view();
  return out;
}

class Coalescing : public ::testing::Test {
 protected:
  void listen(ListenerOptions options = {}) {
    listener_ = loop_.call([&] {
      return std::move(*TcpListener::listen(
          loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
          [this](Connection&) { return std::make_unique<BurstHandler>(events_, shared_); },
          options));
    });
    tid_ = loop_.call([] { return static_cast<pid_t>(::syscall(SYS_gettid)); });
  }
  void TearDown() override {
    loop_.call([&] { listener_.reset(); });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }

  LoopThread loop_;
  Journal events_;
  Payload shared_ = Payload::copyOf(std::string(4000, 'S'));
  std::unique_ptr<TcpListener> listener_;
  pid_t tid_ = 0;
};

}  // namespace

TEST_F(Coalescing, ManySendsInOneCallbackLeaveInOneWriteInOrder) {
  listen();
  SocketClient c(listener_->localEndpoint());
  ASSERT_NE(writeSyscalls(tid_), UINT64_MAX) << "no per-thread I/O accounting here";
  std::string expected = expectedBurst(shared_);
  uint64_t before = writeSyscalls(tid_);
  c.sendAll("burst");
  EXPECT_EQ(c.recvExact(expected.size()), expected);
  ASSERT_TRUE(events_.waitFor("write-done"));
  if (kExactWriteCounts) {
    EXPECT_EQ(writeSyscalls(tid_) - before, 1u) << "102 sends in one callback, one write";
  }
}

TEST_F(Coalescing, EchoPingPongStillWritesOncePerMessage) {
  // The echo path borrows the read buffer and writes before the read
  // callback returns: one write per message, as before coalescing.
  listener_ = loop_.call([&] {
    return std::move(*TcpListener::listen(loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
                                          protocols::echo::makeEchoFactory()));
  });
  tid_ = loop_.call([] { return static_cast<pid_t>(::syscall(SYS_gettid)); });
  SocketClient c(listener_->localEndpoint());
  uint64_t before = writeSyscalls(tid_);
  for (int i = 0; i < 50; ++i) {
    c.sendAll(numbered(i));
    ASSERT_EQ(c.recvLine(), "line " + std::to_string(i));
  }
  if (kExactWriteCounts) {
    EXPECT_EQ(writeSyscalls(tid_) - before, 50u);
  }
}

TEST_F(Coalescing, EchoedBytesKeepTheirPlaceAmongOtherSends) {
  // The first view of the read is only noted; later sends, a close or a
  // half-close must not overtake it.
  struct EchoAround final : ConnectionHandler {
    void onData(Connection& c, std::string_view bytes) override {
      c.send(bytes);
      c.send("|");
      c.send(bytes);
      c.send(Payload::copyOf(std::string(300, '+')));
      c.send(bytes);
      if (bytes.find("end") != std::string_view::npos) c.close();
    }
  };
  listener_ = loop_.call([&] {
    return std::move(
        *TcpListener::listen(loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
                             [](Connection&) { return std::make_unique<EchoAround>(); }));
  });
  SocketClient c(listener_->localEndpoint());
  c.sendAll("ab");
  std::string plus(300, '+');
  EXPECT_EQ(c.recvExact(2 + 1 + 2 + 300 + 2), "ab|ab" + plus + "ab");
  c.sendAll("end");
  auto rest = c.recvUntilEof();
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, "end|end" + plus + "end");
}

TEST_F(Coalescing, CloseAfterSendsInTheSameCallbackFlushesThemFirst) {
  listen();
  SocketClient c(listener_->localEndpoint());
  c.sendAll("burst close");
  auto all = c.recvUntilEof();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, expectedBurst(shared_));
  c.close();
  ASSERT_TRUE(events_.waitFor("close"));
  EXPECT_EQ(events_.snapshot(), (std::vector<std::string>{"write-done", "close"}));
}

TEST_F(Coalescing, HalfCloseAfterSendsComesAfterTheirBytes) {
  listen();
  SocketClient c(listener_->localEndpoint());
  c.sendAll("burst half");
  auto all = c.recvUntilEof();
  ASSERT_TRUE(all.has_value()) << "no FIN after the held output";
  EXPECT_EQ(*all, expectedBurst(shared_));
  c.shutdownWrite();
  ASSERT_TRUE(events_.waitFor("close"));
}

TEST_F(Coalescing, AbortCancelsHeldOutputAndReportsItOnceBeforeClose) {
  listen();
  SocketClient c(listener_->localEndpoint());
  c.sendAll("burst abort");
  EXPECT_TRUE(c.waitClosed());
  auto got = c.recvUntilEof(200ms);
  EXPECT_TRUE(!got.has_value() || got->empty()) << "held output was written after abort()";
  ASSERT_TRUE(events_.waitFor("close"));
  EXPECT_EQ(events_.snapshot(), (std::vector<std::string>{"write-cancelled", "close"}));
}

// Peak resident memory of this process (each test runs in its own process).
long peakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    long value;
    if (key == "VmHWM:" && status >> value) return value;
  }
  return -1;
}

TEST_F(Coalescing, TinySendsToAPeerThatNeverReadsStayWithinTheCap) {
  // Each one-byte send used to cost a 56-byte queue record: a cap on
  // payload bytes let a non-reader hold 50 times the cap.
  ListenerOptions options;
  options.connection.highWaterMark = 256 * 1024;
  options.connection.lowWaterMark = 64 * 1024;
  options.connection.maxQueuedBytes = 1 << 20;
  listen(options);
  SocketClient c(listener_->localEndpoint(), 4096);
  long before = peakRssKiB();
  c.sendAll("tiny");
  ASSERT_TRUE(events_.waitFor("close"));
  long growth = peakRssKiB() - before;
  auto events = events_.snapshot();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back().rfind("reason:slow consumer", 0), 0u) << events.back();
  std::cout << "[ measured ] one-byte sends to a non-reader, cap 1 MiB: peak RSS +" << growth
            << " KiB\n";
  // The old queue counted payload bytes only, not its ~56-byte record per send.
  EXPECT_LT(growth, (kSanitized ? 12 : 4) * 1024)
      << "memory grew past a small factor of the 1 MiB cap";
}

TEST_F(Coalescing, HeldOutputCrossesTheWaterMarksAndDrainsInOrder) {
  ListenerOptions options;
  options.connection.highWaterMark = 64 * 1024;
  options.connection.lowWaterMark = 16 * 1024;
  listen(options);
  SocketClient c(listener_->localEndpoint(), 4096);
  c.sendAll("flood");
  ASSERT_TRUE(events_.waitFor("high"));
  std::string expected;
  for (int i = 0; i < 400000; ++i) expected += numbered(i);
  EXPECT_EQ(c.recvExact(expected.size(), 20s), expected);
  ASSERT_TRUE(events_.waitFor("low"));
  EXPECT_EQ(events_.snapshot(), (std::vector<std::string>{"high", "low"}));
}

TEST(CoalescingLoop, OutputSentFromATimerIsWrittenBeforeTheLoopSleeps) {
  // Timers run before the loop polls, so their output is flushed by the
  // prepare handle; without it, it would wait for the next event (here a
  // 3 s timer). A loop of our own, with no heartbeat to wake it.
  Loop loop;
  Connection* accepted = nullptr;
  struct Keep final : ConnectionHandler {
    explicit Keep(Connection*& slot) : slot_(slot) {}
    void onOpen(Connection& c) override { slot_ = &c; }
    void onData(Connection&, std::string_view) override {}
    void onClose(Connection&, const Error&) override { slot_ = nullptr; }
    Connection*& slot_;
  };
  auto listener = TcpListener::listen(loop, *Endpoint::parse("127.0.0.1:0"), [&](Connection&) {
    return std::make_unique<Keep>(accepted);
  });
  ASSERT_TRUE(listener.ok());
  Endpoint at = (*listener)->localEndpoint();
  using Clock = std::chrono::steady_clock;
  std::atomic<Clock::rep> received{0};
  std::string line;
  std::thread client([&] {
    SocketClient c(at);
    line = c.recvLine(5s).value_or("");
    received = Clock::now().time_since_epoch().count();
  });
  while (accepted == nullptr) loop.runOnce(true);
  Clock::time_point sentAt;
  {
    Timer tick(loop), safety(loop);
    tick.start(10, 0, [&] {
      sentAt = Clock::now();
      accepted->send("tick\n");
    });
    safety.start(3000, 0, [&] { loop.stop(); });
    loop.run();
  }
  client.join();
  EXPECT_EQ(line, "tick");
  auto delay = Clock::time_point(Clock::duration(received.load())) - sentAt;
  EXPECT_LT(delay, 1s) << "output from a timer waited for the next event";
  listener->reset();
  Error closed = loop.close();
  EXPECT_TRUE(closed.ok()) << closed.message();
}
