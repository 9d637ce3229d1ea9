// RedisLink against a real redis-server started by the test: commands,
// pub/sub, and the faults a backplane must survive (Redis killed and
// restarted empty, Redis stalled by SIGSTOP, commands while it is down).
#include "redis/RedisLink.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "support/RedisServer.hpp"

using namespace uvreactor;
using namespace uvreactor::protocols::redis;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

// Runs the loop until `done` or `limit` passes; returns done().
bool runUntil(Loop& loop, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    loop.runOnce(false);
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

class RedisLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_.available()) GTEST_SKIP() << redis_.why();
    RedisOptions options;
    options.pingIntervalMs = 200;
    options.replyTimeoutMs = 600;
    options.initialBackoffMs = 50;
    options.maxBackoffMs = 400;
    options.maxPendingBytes = 4096;
    link_ = std::make_unique<RedisLink>(
        loop_, redis_.endpoint(), options,
        [this](bool up) { states_.push_back(up ? "up" : "down"); },
        [this](std::string_view channel, std::string_view message) {
          messages_.push_back(std::string(channel) + ": " + std::string(message));
        });
  }
  void TearDown() override {
    link_.reset();
    EXPECT_TRUE(loop_.close().ok());
  }
  // The reply to one command, as text (or "error: ...").
  std::string ask(std::vector<std::string> args) {
    std::string answer;
    bool done = false;
    link_->command(std::move(args), [&](const Error& e, const RespValue& v) {
      answer = e             ? "error: " + e.message()
               : v.isError() ? "redis error: " + v.text
                             : std::string(v.str());
      if (!e && v.type == RespValue::Type::Integer) answer = std::to_string(v.integer);
      done = true;
    });
    runUntil(loop_, [&] { return done; });
    return done ? answer : "no reply";
  }

  Loop loop_;
  RedisServer redis_;
  std::unique_ptr<RedisLink> link_;
  std::vector<std::string> states_;
  std::vector<std::string> messages_;
};

}  // namespace

TEST_F(RedisLinkTest, CommandsAndPubSub) {
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  EXPECT_EQ(ask({"SET", "uvr:key", "a\r\nvalue"}), "OK");
  EXPECT_EQ(ask({"GET", "uvr:key"}), "a\r\nvalue");
  link_->subscribe("uvr:room");
  link_->subscribe("uvr:room");  // counted: one SUBSCRIBE
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  // PUBLISH answers how many subscribers got it; wait until ours is counted.
  ASSERT_TRUE(runUntil(loop_, [&] { return ask({"PUBLISH", "uvr:room", "hello"}) == "1"; }));
  ASSERT_TRUE(runUntil(loop_, [&] { return !messages_.empty(); }));
  EXPECT_EQ(messages_.front(), "uvr:room: hello");
  link_->unsubscribe("uvr:room");
  EXPECT_EQ(ask({"PUBLISH", "uvr:room", "still held"}), "1") << "one holder remains";
  link_->unsubscribe("uvr:room");
  ASSERT_TRUE(runUntil(loop_, [&] { return ask({"PUBLISH", "uvr:room", "nobody"}) == "0"; }));
}

TEST_F(RedisLinkTest, RedisKilledAndRestartedEmptyComesBackWithItsSubscriptions) {
  link_->subscribe("uvr:room");
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  ASSERT_EQ(ask({"SET", "uvr:key", "1"}), "OK");
  redis_.kill();
  ASSERT_TRUE(runUntil(loop_, [&] { return !link_->up(); }));
  // While it is down, a command waits for the link instead of failing.
  std::string late;
  link_->command({"GET", "uvr:key"}, [&](const Error& e, const RespValue& v) {
    late = e ? "error" : v.type == RespValue::Type::Null ? "null" : std::string(v.str());
  });
  ASSERT_TRUE(redis_.restart());
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up() && !late.empty(); }));
  EXPECT_EQ(late, "null") << "the restarted Redis is empty";
  ASSERT_TRUE(runUntil(loop_, [&] {
    return ask({"PUBLISH", "uvr:room", "again"}) == "1";
  })) << "not subscribed again after the reconnect";
  ASSERT_TRUE(runUntil(loop_, [&] { return !messages_.empty(); }));
  EXPECT_EQ(messages_.back(), "uvr:room: again");
  EXPECT_EQ(states_, (std::vector<std::string>{"up", "down", "up"}));
  EXPECT_GE(link_->stats().drops, 2u);
}

TEST_F(RedisLinkTest, AStalledRedisIsDroppedAndRejoined) {
  link_->subscribe("uvr:room");
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  redis_.pause();
  // PING every 200 ms, reply due within 600 ms: well under 3 s.
  EXPECT_TRUE(runUntil(
      loop_, [&] { return !link_->up(); }, 3s))
      << "stall not detected";
  redis_.resume();
  EXPECT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  EXPECT_EQ(ask({"PING"}), "PONG");
}

TEST_F(RedisLinkTest, CommandsWhileDownAreBoundedAndCounted) {
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  redis_.kill();
  ASSERT_TRUE(runUntil(loop_, [&] { return !link_->up(); }));
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    link_->command({"SET", "k", std::string(100, 'v')}, [&](const Error& e, const RespValue&) {
      if (e.kind() == ErrorKind::SlowConsumer) ++refused;
    });
  }
  // 4096 bytes of pending commands hold about 30 of them; the rest are refused.
  EXPECT_GT(refused, 900);
  EXPECT_EQ(link_->stats().rejected, static_cast<uint64_t>(refused));
}
