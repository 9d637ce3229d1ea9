#include "uvreactor/testing/FakeConnection.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <string>
#include <vector>

using namespace uvreactor;
using uvreactor::testing::FakeConnection;
using uvreactor::testing::ManualClock;

namespace {
// Records the order of callbacks, and closes from inside onData on request.
struct Recorder final : ConnectionHandler {
  explicit Recorder(std::vector<std::string>& out) : log(out) {}
  void onOpen(Connection&) override { log.push_back("open"); }
  void onData(Connection& c, std::string_view bytes) override {
    log.push_back("data:" + std::string(bytes));
    if (bytes == "bye") {
      c.send("last words");
      c.close();
      log.push_back("after close");
    }
  }
  void onEof(Connection& c) override {
    log.push_back("eof");
    c.close();
  }
  void onClose(Connection&, const Error& reason) override {
    log.push_back(reason ? "close:" + std::to_string(reason.code()) : "close");
  }
  std::vector<std::string>& log;
};
}  // namespace

TEST(FakeConnection, CloseInsideACallbackTakesEffectAfterItReturns) {
  std::vector<std::string> log;
  FakeConnection c;
  c.open(std::make_unique<Recorder>(log));
  c.deliver("hi");
  c.deliver("bye");
  c.deliver("too late");
  EXPECT_EQ(log, (std::vector<std::string>{"open", "data:hi", "data:bye", "after close", "close"}));
  EXPECT_EQ(c.takeOutput(), "last words");
}

TEST(FakeConnection, IdleTimeoutFollowsTheManualClock) {
  std::vector<std::string> log;
  ManualClock clock;
  ConnectionOptions options;
  options.idleTimeoutMs = 1000;
  FakeConnection c(options, &clock);
  c.open(std::make_unique<Recorder>(log));
  clock.advance(900);
  c.deliver("x");  // activity restarts the wait
  clock.advance(900);
  EXPECT_FALSE(c.closed());
  clock.advance(100);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.closeReason().code(), UV_ETIMEDOUT);
  EXPECT_EQ(log.back(), "close:" + std::to_string(UV_ETIMEDOUT));
}

TEST(FakeConnection, WriteCallbacksRunOnceBeforeClose) {
  std::vector<std::string> log;
  FakeConnection c;
  c.open(std::make_unique<Recorder>(log));
  c.setPeerReading(false);
  int done = 0, cancelled = 0;
  c.send(Payload::copyOf("x"), [&](const Error& e) {
    (e ? cancelled : done)++;
    log.push_back("write-callback");
  });
  c.abort();
  EXPECT_EQ(done, 0);
  EXPECT_EQ(cancelled, 1);
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[log.size() - 2], "write-callback");
  EXPECT_EQ(log.back(), "close");
}

TEST(ManualClock, RunsCallbacksInDueOrderAtTheirTime) {
  ManualClock clock;
  std::vector<uint64_t> fired;
  clock.schedule(30, [&] { fired.push_back(clock.nowMs()); });
  clock.schedule(10, [&] { fired.push_back(clock.nowMs()); });
  auto cancelled = clock.schedule(20, [&] { fired.push_back(999); });
  clock.cancel(cancelled);
  clock.advance(25);
  EXPECT_EQ(fired, (std::vector<uint64_t>{10}));
  clock.advance(25);
  EXPECT_EQ(fired, (std::vector<uint64_t>{10, 30}));
  EXPECT_EQ(clock.nowMs(), 50u);
}

TEST(FakeConnection, IsNotTls) {
  FakeConnection c;
  EXPECT_FALSE(c.tls().active);
  EXPECT_TRUE(c.tls().version.empty());
}
