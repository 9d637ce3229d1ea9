// The contract of Connection over real sockets: callback order and count,
// closing from inside callbacks, write completions, water marks, idle
// timeouts, limits and abrupt peers. Run under ASan/UBSan in CI, where a
// lifetime mistake here is a crash, not a flaky assertion.
#include <gtest/gtest.h>
#include <uv.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "echo/EchoHandler.hpp"
#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// Does what the first bytes of input say, and journals every callback.
class ScriptedHandler final : public ConnectionHandler {
 public:
  explicit ScriptedHandler(Journal& journal) : journal_(journal) {}
  void onOpen(Connection&) override { journal_.add("open"); }
  void onData(Connection& c, std::string_view bytes) override {
    journal_.add("data");
    if (bytes.rfind("close", 0) == 0) {
      c.send("bye\n");
      c.close();
      c.send("dropped after close\n");
    } else if (bytes.rfind("abort", 0) == 0) {
      // More than the kernel's largest send buffer (tcp_wmem max, 4 MiB by
      // default) and less than maxQueuedBytes: some of it is certainly still
      // queued at abort(), as long as the peer reads nothing.
      c.send(Payload::copyOf(std::string(6 << 20, 'a')),
             [this](const Error& e) { journal_.add(e ? "write-cancelled" : "write-done"); });
      c.abort();
      c.abort();
    } else if (bytes.rfind("flood", 0) == 0) {
      // Far more than the peer will read: the write stays queued.
      for (int i = 0; i < 8; ++i) {
        c.send(Payload::copyOf(std::string(1 << 20, 'f')),
               [this](const Error& e) { journal_.add(e ? "write-cancelled" : "write-done"); });
      }
    } else {
      c.send(bytes);
    }
  }
  void onEof(Connection& c) override {
    journal_.add("eof");
    c.close();
  }
  void onHighWater(Connection&) override { journal_.add("high"); }
  void onLowWater(Connection&) override { journal_.add("low"); }
  void onClose(Connection&, const Error& reason) override {
    journal_.add(reason ? "close:" + reason.message() : "close");
  }

 private:
  Journal& journal_;
};

class Lifecycle : public ::testing::Test {
 protected:
  void listen(ListenerOptions options = {}) {
    listener_ = loop_.call([&] {
      auto l = TcpListener::listen(
          loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
          [this](Connection&) { return std::make_unique<ScriptedHandler>(journal_); }, options);
      return std::move(*l);
    });
    address_ = listener_->localEndpoint();
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const auto& e : journal_.snapshot()) std::cerr << "  journal: " << e << "\n";
    }
    loop_.call([&] { listener_.reset(); });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }
  // Listens with `options` and fills its connection limit with clients that
  // each had one byte echoed (so they are admitted, not rejected).
  std::vector<SocketClient> listenFull(ListenerOptions options) {
    options.rejectMessage = "busy\n";
    listen(options);
    std::vector<SocketClient> admitted;
    for (std::size_t i = 0; i < options.maxConnections; ++i) {
      admitted.emplace_back(address_);
      admitted.back().sendAll("x");
      EXPECT_EQ(admitted.back().recvExact(1), "x");
    }
    return admitted;
  }
  std::size_t connections() {
    return loop_.call([&] { return listener_->connectionCount(); });
  }
  bool waitConnections(std::size_t n) {
    for (int i = 0; i < 500; ++i) {
      if (connections() == n) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  LoopThread loop_;
  Journal journal_;
  std::unique_ptr<TcpListener> listener_;
  Endpoint address_;
};

}  // namespace

TEST_F(Lifecycle, OpenDataEofCloseInOrderExactlyOnce) {
  listen();
  SocketClient c(address_);
  c.sendAll("x");
  EXPECT_EQ(c.recvExact(1), "x");
  c.shutdownWrite();
  EXPECT_TRUE(c.recvUntilEof().has_value());
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(journal_.snapshot(), (std::vector<std::string>{"open", "data", "eof", "close"}));
}

TEST_F(Lifecycle, CloseFromInsideOnDataFlushesThenClosesOnce) {
  listen();
  SocketClient c(address_);
  c.sendAll("close");
  auto rest = c.recvUntilEof();
  ASSERT_TRUE(rest.has_value());
  EXPECT_EQ(*rest, "bye\n") << "sends after close() are dropped";
  c.close();  // the server waits for our FIN (bounded by closeTimeoutMs)
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(journal_.count("close"), 1u);
}

TEST_F(Lifecycle, AbortInsideOnDataCancelsQueuedWriteBeforeClose) {
  listen();
  SocketClient c(address_, 4096);
  c.sendAll("abort");
  ASSERT_TRUE(journal_.waitFor("close"));  // read nothing until then
  EXPECT_TRUE(c.waitClosed());
  auto events = journal_.snapshot();
  EXPECT_EQ(events, (std::vector<std::string>{"open", "data", "high", "write-cancelled", "close"}))
      << "the completion is reported once, before close";
}

TEST_F(Lifecycle, PeerVanishingMidWriteCancelsEveryWriteOnce) {
  listen();
  {
    SocketClient c(address_, 4096);
    c.sendAll("flood");
    ASSERT_TRUE(journal_.waitFor("high"));
    c.reset();
  }
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(journal_.count("write-"), 8u);
  auto events = journal_.snapshot();
  EXPECT_EQ(events.back().rfind("close:", 0), 0u) << events.back();
  EXPECT_TRUE(waitConnections(0));
}

TEST_F(Lifecycle, ClientThatNeverReadsIsPausedNotBuffered) {
  ListenerOptions options;
  options.connection.highWaterMark = 256 * 1024;
  options.connection.lowWaterMark = 64 * 1024;
  listen(options);
  SocketClient greedy(address_, 4096);
  std::atomic<std::size_t> sent{0};
  std::atomic<bool> stop{false};
  int fd = greedy.fd();
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::thread writer([&] {
    std::string chunk(64 * 1024, 'g');
    while (!stop && sent < (256u << 20)) {
      ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
  });
  ASSERT_TRUE(journal_.waitFor("high"));
  std::this_thread::sleep_for(500ms);
  // Reading stopped: what the client got in is bounded by the kernel's
  // buffers, and what the server holds by its high-water mark plus one read.
  std::size_t queued = loop_.call([&] {
    std::size_t q = 0;
    listener_->forEachConnection([&](Connection& c) { q = std::max(q, c.queuedBytes()); });
    return q;
  });
  EXPECT_LE(queued, options.connection.highWaterMark + Loop::kSlabSize);
  EXPECT_LT(sent.load(), std::size_t{32} << 20)
      << "the server kept reading past its high-water mark";
  // Someone else is served meanwhile.
  SocketClient other(address_);
  other.sendAll("other\n");
  EXPECT_EQ(other.recvLine(), "other");
  // Reading the echo drains the queue: low water, reading resumes.
  stop = true;
  writer.join();
  std::string drained = greedy.recvExact(sent, 20s);
  EXPECT_EQ(drained.size(), sent.load()) << "every byte accepted is echoed once the peer reads";
  EXPECT_TRUE(journal_.waitFor("low"));
}

TEST_F(Lifecycle, IdleConnectionIsClosedActiveOneIsNot) {
  ListenerOptions options;
  options.connection.idleTimeoutMs = 300;
  listen(options);
  SocketClient idle(address_);
  SocketClient chatty(address_);
  for (int i = 0; i < 8; ++i) {
    chatty.sendAll("x");
    EXPECT_EQ(chatty.recvExact(1), "x");
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(idle.waitClosed(2s));
  idle.close();
  chatty.sendAll("y");
  EXPECT_EQ(chatty.recvExact(1), "y") << "an active connection outlived the idle timeout";
  ASSERT_TRUE(journal_.waitFor("close:idle timeout"));
  EXPECT_EQ(loop_.call([&] { return listener_->stats().idleTimeouts; }), 1u);
}

// Idle timeouts of many connections, armed at different times, all fire,
// and they cost the loop one timer handle, not a uv_timer_t each.
TEST_F(Lifecycle, IdleTimeoutsOfManyConnectionsShareOneLoopTimer) {
  ListenerOptions options;
  options.connection.idleTimeoutMs = 300;
  listen(options);
  auto activeTimers = [&] {
    return loop_.call([&] {
      std::size_t n = 0;
      uv_walk(
          loop_.loop().raw(),
          [](uv_handle_t* h, void* arg) {
            if (h->type == UV_TIMER && uv_is_active(h)) ++*static_cast<std::size_t*>(arg);
          },
          &n);
      return n;
    });
  };
  auto liveHandles = [&] { return loop_.call([&] { return loop_.loop().liveHandleCount(); }); };
  std::size_t timersBefore = activeTimers();  // the test loop's own heartbeat
  std::size_t handlesBefore = liveHandles();
  std::vector<std::unique_ptr<SocketClient>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<SocketClient>(address_));
    if (i % 3 == 0) std::this_thread::sleep_for(20ms);  // spread the deadlines
  }
  ASSERT_TRUE(waitConnections(10));
  EXPECT_EQ(activeTimers(), timersBefore + 1) << "expected one loop timer for all the deadlines";
  for (auto& c : idle) {
    EXPECT_TRUE(c->waitClosed(3s));
    c->close();  // our FIN answers the server's: its close completes
  }
  EXPECT_TRUE(waitConnections(0));
  EXPECT_EQ(loop_.call([&] { return listener_->stats().idleTimeouts; }), 10u);
  EXPECT_EQ(liveHandles(), handlesBefore) << "the loop's deadline timer is its own";
  EXPECT_EQ(activeTimers(), timersBefore) << "no deadline left: the loop timer stops";
}

TEST_F(Lifecycle, SlowConsumerOverTheQueueCapIsResetAndCounted) {
  ListenerOptions options;
  options.connection.maxQueuedBytes = 2 << 20;
  listen(options);
  SocketClient slow(address_, 4096);
  slow.sendAll("flood");  // 8 MiB for a peer that reads nothing
  ASSERT_TRUE(journal_.waitFor("close:slow consumer"));
  EXPECT_TRUE(slow.waitClosed(5s));
  // The first write may have gone out whole before the cap was crossed.
  EXPECT_EQ(journal_.count("write-"), 8u) << "every write is reported exactly once";
  EXPECT_GE(journal_.count("write-cancelled"), 6u);
  EXPECT_EQ(loop_.call([&] { return listener_->stats().slowConsumers; }), 1u);
  EXPECT_TRUE(waitConnections(0));
}

TEST_F(Lifecycle, GracefulCloseIsBoundedWhenThePeerNeverFinishes) {
  ListenerOptions options;
  options.connection.closeTimeoutMs = 200;
  listen(options);
  SocketClient c(address_);
  c.sendAll("close");
  EXPECT_EQ(c.recvLine(), "bye");
  // We keep our side open and send nothing: the server gives up and resets.
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(loop_.call([&] { return listener_->stats().closeTimeouts; }), 1u);
  EXPECT_TRUE(waitConnections(0));
}

TEST_F(Lifecycle, SlowReaderMakingProgressIsNotIdle) {
  ListenerOptions options;
  options.connection.idleTimeoutMs = 400;
  listen(options);
  SocketClient slow(address_, 4096);
  slow.sendAll("flood");  // 8 MiB queued for a peer with a tiny window
  // Read a little at a time for well over the idle timeout.
  std::size_t got = 0;
  for (int i = 0; i < 12; ++i) {
    got += slow.recvExact(32 * 1024, 1s).size();
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(got, 12u * 32 * 1024);
  EXPECT_EQ(journal_.count("close"), 0u) << "slow progress counted as idle";
}

TEST_F(Lifecycle, ConnectionLimitClosesExcessAtOnce) {
  ListenerOptions options;
  options.maxConnections = 2;
  auto admitted = listenFull(options);
  SocketClient c(address_);
  auto rejected = c.recvUntilEof(2s);
  ASSERT_TRUE(rejected.has_value()) << "the excess connection was left hanging";
  EXPECT_EQ(*rejected, "busy\n");
  c.close();
  EXPECT_EQ(loop_.call([&] { return listener_->stats().rejectedByLimit; }), 1u);
  admitted[0].close();
  ASSERT_TRUE(waitConnections(1));
  SocketClient d(address_);
  d.sendAll("d");
  EXPECT_EQ(d.recvExact(1), "d") << "a freed slot is usable again";
}

TEST_F(Lifecycle, FloodOfRejectedPeersNeverHoldsAFreedSlot) {
  // Turned-away peers that never close used to count against the limit
  // until their close timed out, so a slot freed during a flood went to
  // nobody. Now only admitted connections count.
  ListenerOptions options;
  options.maxConnections = 2;
  auto admitted = listenFull(options);
  std::vector<SocketClient> flood;
  for (int i = 0; i < 40; ++i) flood.emplace_back(address_);  // never read, never close
  EXPECT_EQ(flood.back().recvLine(), "busy");
  admitted[0].close();
  for (int i = 0; i < 100 && loop_.call([&] { return listener_->admittedCount(); }) != 1; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  SocketClient legit(address_);
  for (int i = 0; i < 20; ++i) flood.emplace_back(address_);  // the flood goes on
  legit.sendAll("legit");
  EXPECT_EQ(legit.recvExact(5, 1s), "legit") << "a freed slot went to nobody";
  EXPECT_EQ(loop_.call([&] { return listener_->stats().rejectedByLimit; }), 60u);
}

TEST_F(Lifecycle, RejectedPeersAreResetAfterAShortLinger) {
  ListenerOptions options;
  options.maxConnections = 1;
  options.rejectLingerMs = 100;
  auto admitted = listenFull(options);
  SocketClient rejected(address_);  // reads the message, never closes
  EXPECT_EQ(rejected.recvLine(), "busy");
  EXPECT_TRUE(rejected.waitClosed(2s));
  EXPECT_TRUE(waitConnections(1)) << "the rejected peer still holds a connection";
}

TEST_F(Lifecycle, HalfCloseWhilePausedReportsEofOnce) {
  ListenerOptions options;
  options.connection.highWaterMark = 64 * 1024;
  options.connection.lowWaterMark = 16 * 1024;
  listen(options);
  SocketClient c(address_, 4096);
  const std::size_t total = std::size_t{6} << 20;
  // The echo backs up and reading pauses; our FIN then waits behind unread
  // input in the kernel, to be seen only once reading resumes.
  std::thread writer([&] {
    EXPECT_TRUE(c.sendAll(std::string(total, 'p')));
    c.shutdownWrite();
  });
  ASSERT_TRUE(journal_.waitFor("high"));
  std::this_thread::sleep_for(200ms);
  auto all = c.recvUntilEof(30s);
  writer.join();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), total);
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(journal_.count("eof"), 1u);
}

TEST_F(Lifecycle, ShutdownFlushesEveryByteReadBeforeIt) {
  std::atomic<std::size_t> readByServer{0};
  listener_ = loop_.call([&] {
    struct Counting final : ConnectionHandler {
      explicit Counting(std::atomic<std::size_t>& n) : read(n) {}
      void onData(Connection& c, std::string_view bytes) override {
        read += bytes.size();
        c.send(bytes);
      }
      std::atomic<std::size_t>& read;
    };
    ListenerOptions options;
    options.connection.closeTimeoutMs = 30000;
    return std::move(*TcpListener::listen(
        loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
        [&](Connection&) { return std::make_unique<Counting>(readByServer); }, options));
  });
  SocketClient c(listener_->localEndpoint(), 8192);
  std::thread writer([&] { c.sendAll(std::string(std::size_t{8} << 20, 's')); });
  for (int i = 0; i < 500 && readByServer < (std::size_t{2} << 20); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  std::atomic<bool> drained{false};
  std::size_t readAtShutdown = loop_.call([&] {
    listener_->shutdown([&] { drained = true; });
    return readByServer.load();
  });
  auto all = c.recvUntilEof(30s);
  c.shutdownWrite();
  writer.join();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), readAtShutdown) << "bytes read before shutdown were lost or added";
  c.close();
  for (int i = 0; i < 500 && !drained; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(drained);
}

TEST_F(Lifecycle, DestroyingTheListenerClosesLiveConnections) {
  listen();
  SocketClient c(address_);
  c.sendAll("x");
  EXPECT_EQ(c.recvExact(1), "x");
  loop_.call([&] { listener_.reset(); });
  EXPECT_TRUE(c.waitClosed());
  ASSERT_TRUE(journal_.waitFor("close"));
  EXPECT_EQ(journal_.count("close"), 1u);
}

TEST_F(Lifecycle, TenThousandConnectCloseCyclesLeakNothing) {
  listen();
  for (int i = 0; i < 10000; ++i) {
    SocketClient c(address_);
    ASSERT_TRUE(c.connected()) << "cycle " << i;
    if (i % 2) c.reset();
  }
  ASSERT_TRUE(journal_.waitFor("close", 10000));
  EXPECT_EQ(journal_.count("open"), 10000u);
  EXPECT_TRUE(waitConnections(0));
}
