// RedisLink against a real redis-server started by the test: commands,
// pub/sub, and the faults a backplane must survive (Redis killed and
// restarted empty, Redis stalled by SIGSTOP, commands while it is down, a
// callback that throws); and against a hostile peer on Redis's port.
#include "redis/RedisLink.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

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

// What /proc/self/status says of FIELD ("VmHWM:"), in bytes; 0 if absent.
std::size_t statusBytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string name;
  std::size_t kb = 0;
  while (status >> name) {
    if (name == field && status >> kb) return kb * 1024;
    status.ignore(1 << 12, '\n');
  }
  return 0;
}

// Starts counting the peak resident size (VmHWM) from now.
bool resetPeakResident() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.close();
  return !clear.fail();
}

// Something on Redis's port that answers each connection with one reply of
// 8 arrays of 1M small integers: 32 MiB on the wire, every item within the
// parser's per-item limits, and about 550 MB once parsed if nothing bounds
// the whole. Plain blocking sockets on a thread of its own.
class HostileRedisPeer {
 public:
  HostileRedisPeer() {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_, 8) != 0 ||
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &length) != 0)
      throw std::runtime_error("hostile peer: cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileRedisPeer() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }
  Endpoint endpoint() const { return *Endpoint::parse("127.0.0.1:" + std::to_string(port_)); }
  int connections() const { return connections_; }

 private:
  void serve() {
    std::string integers;
    for (int i = 0; i < 16 * 1024; ++i) integers += ":1\r\n";  // 64 KiB
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      int fd = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      timeval timeout{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      bool ok = put(fd, "*8\r\n");
      for (int array = 0; array < 8 && ok; ++array) {
        ok = put(fd, "*1048576\r\n");
        for (int i = 0; i < 64 && ok && !stop_; ++i) ok = put(fd, integers);
      }
      ::close(fd);
    }
  }
  static bool put(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

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

// The reply bound as an attacker meets it: the link fails as for any
// protocol error, reconnects with backoff, never counts as up, and the
// process grows by a small factor of the cap, not by the ~550 MB the reply
// would take parsed.
TEST(RedisLinkBounds, AReplyOverTheParsedBytesCapFailsTheLinkAndItReconnects) {
  constexpr std::size_t kCap = 4 * 1024 * 1024;
  HostileRedisPeer peer;
  Loop loop;
  RedisOptions options;
  options.initialBackoffMs = 50;
  options.maxBackoffMs = 200;
  options.limits.maxReplyBytes = kCap;
  std::vector<std::string> states;
  std::size_t before = statusBytes("VmRSS:");
  bool peakReset = resetPeakResident();
  std::size_t sampledPeak = 0;
  {
    RedisLink link(
        loop, peer.endpoint(), options, [&](bool up) { states.push_back(up ? "up" : "down"); },
        nullptr);
    runUntil(
        loop,
        [&] {
          sampledPeak = std::max(sampledPeak, statusBytes("VmRSS:"));
          return peer.connections() >= 3 && link.stats().drops >= 3;
        },
        30s);
    EXPECT_GE(peer.connections(), 3) << "the link did not reconnect after the bad reply";
    EXPECT_GE(link.stats().drops, 3u);
    EXPECT_FALSE(link.up());
  }
  EXPECT_TRUE(loop.close().ok());
  EXPECT_EQ(states, (std::vector<std::string>{"down"})) << "never up: no reply was whole";
  std::size_t peak = peakReset ? statusBytes("VmHWM:") : sampledPeak;
  std::size_t grown = peak > before ? peak - before : 0;
  RecordProperty("grown_bytes", std::to_string(grown));
  EXPECT_LT(grown, 4 * kCap + (16u << 20))
      << "grew by " << (grown >> 20) << " MiB for a cap of " << (kCap >> 20) << " MiB";
}

// A reply callback that throws while the link is lost: the others are still
// told, and the link still reconnects.
TEST_F(RedisLinkTest, ACallbackThatThrowsWhenTheLinkIsLostDoesNotStopTheReconnect) {
  ASSERT_TRUE(runUntil(loop_, [&] { return link_->up(); }));
  redis_.pause();  // the reply does not come; the link drops it after 600 ms
  int told = 0;
  link_->command({"PING"}, [&](const Error& e, const RespValue&) {
    ++told;
    if (e) throw std::runtime_error("callback failed");
  });
  link_->command({"PING"}, [&](const Error& e, const RespValue&) { told += e ? 10 : 100; });
  ASSERT_TRUE(runUntil(
      loop_, [&] { return !link_->up(); }, 3s));
  EXPECT_EQ(told, 11) << "both callbacks get the error, the second after the first threw";
  redis_.resume();
  EXPECT_TRUE(runUntil(loop_, [&] { return link_->up(); })) << "never reconnected";
  EXPECT_EQ(ask({"PING"}), "PONG");
}
