// One barrier around all user code: an exception thrown at any entry point
// never unwinds through libuv (that would terminate the process). Thrown in
// a connection's code, it ends that connection (onClose says who threw);
// elsewhere it is logged and the loop carries on. Each test throws at one
// entry point, half of them something that is not a std::exception, and
// then checks that the loop still serves.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

enum class Throw { OnOpen, OnData, OnEof, OnHighWater, OnClose, WriteDone, WriteCancelled, Never };

// Echoes, and throws at the chosen point of its life.
class ThrowingHandler final : public ConnectionHandler {
 public:
  ThrowingHandler(Throw where, Journal& journal) : where_(where), journal_(journal) {}
  void onOpen(Connection& c) override {
    if (where_ == Throw::OnOpen) throw std::runtime_error("open failed");
    if (where_ == Throw::WriteDone) {
      c.send(Payload::copyOf("x"), [](const Error&) { throw 42; });
    }
    if (where_ == Throw::WriteCancelled) {
      c.send(Payload::copyOf("x"), [](const Error&) { throw std::logic_error("cancelled"); });
      c.abort();
    }
  }
  void onData(Connection& c, std::string_view bytes) override {
    if (where_ == Throw::OnData) throw 7;
    if (where_ == Throw::OnHighWater) {
      for (int i = 0; i < 64; ++i) c.send(Payload::copyOf(std::string(64 * 1024, 'h')));
      return;
    }
    c.send(bytes);
  }
  void onEof(Connection& c) override {
    if (where_ == Throw::OnEof) throw std::runtime_error("eof failed");
    c.close();
  }
  void onHighWater(Connection&) override { throw std::runtime_error("high water failed"); }
  void onClose(Connection&, const Error& reason) override {
    journal_.add("close: " + reason.message());
    if (where_ == Throw::OnClose) throw "a string literal";
  }

 private:
  Throw where_;
  Journal& journal_;
};

// The listener still serves a well-behaved client afterwards.
void expectStillServing(const Endpoint& at) {
  SocketClient c(at);
  ASSERT_TRUE(c.connected());
  c.sendAll("still here\n");
  EXPECT_EQ(c.recvLine(), "still here");
}

class Barrier : public ::testing::TestWithParam<Throw> {};

std::string throwName(const ::testing::TestParamInfo<Throw>& info) {
  static const char* const kNames[] = {"OnOpen",  "OnData",    "OnEof",         "OnHighWater",
                                       "OnClose", "WriteDone", "WriteCancelled"};
  return kNames[static_cast<int>(info.param)];
}

}  // namespace

TEST_P(Barrier, AThrowingHandlerEndsOnlyItsOwnConnection) {
  LoopThread loop;
  Journal journal;
  std::atomic<bool> first{true};
  ListenerOptions options;
  options.connection.highWaterMark = 256 * 1024;
  options.connection.lowWaterMark = 64 * 1024;
  auto listener = loop.call([&] {
    return std::move(*TcpListener::listen(
        loop.loop(), *Endpoint::parse("127.0.0.1:0"),
        [&](Connection&) {
          // Only the first connection throws; the second checks the service.
          Throw where = first.exchange(false) ? GetParam() : Throw::Never;
          return std::make_unique<ThrowingHandler>(where, journal);
        },
        options));
  });
  {
    SocketClient victim(listener->localEndpoint(), 4096);
    victim.sendAll("go\n");
    victim.shutdownWrite();
    ASSERT_TRUE(journal.waitFor("close"));
    Throw where = GetParam();
    if (where != Throw::OnClose && where != Throw::WriteCancelled) {
      EXPECT_NE(journal.snapshot()[0].find("threw"), std::string::npos) << journal.snapshot()[0];
    }
  }
  expectStillServing(listener->localEndpoint());
  loop.call([&] { listener.reset(); });
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

INSTANTIATE_TEST_SUITE_P(EveryConnectionCallback, Barrier,
                         ::testing::Values(Throw::OnOpen, Throw::OnData, Throw::OnEof,
                                           Throw::OnHighWater, Throw::OnClose, Throw::WriteDone,
                                           Throw::WriteCancelled),
                         throwName);

TEST(ExceptionBarrier, ListenerFactoryThrowingRefusesThatPeerOnly) {
  LoopThread loop;
  Journal journal;
  std::atomic<int> calls{0};
  auto listener = loop.call([&] {
    return std::move(*TcpListener::listen(loop.loop(), *Endpoint::parse("[::1]:0"),
                                          [&](Connection&) -> std::unique_ptr<ConnectionHandler> {
                                            int n = ++calls;
                                            if (n == 1) throw 1;
                                            if (n == 2) throw std::runtime_error("factory failed");
                                            return std::make_unique<ThrowingHandler>(Throw::Never,
                                                                                     journal);
                                          }));
  });
  SocketClient first(listener->localEndpoint()), second(listener->localEndpoint());
  EXPECT_TRUE(first.waitClosed());
  EXPECT_TRUE(second.waitClosed());
  expectStillServing(listener->localEndpoint());
  loop.call([&] { listener.reset(); });
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

TEST(ExceptionBarrier, ConnectorFactoryThrowingFailsTheAttempt) {
  LoopThread loop;
  Journal journal;
  auto server = loop.call([&] {
    return std::move(*TcpListener::listen(
        loop.loop(), *Endpoint::parse("127.0.0.1:0"),
        [&](Connection&) { return std::make_unique<ThrowingHandler>(Throw::Never, journal); }));
  });
  auto connector = loop.call([&] {
    auto c = std::make_unique<TcpConnector>(
        loop.loop(), server->localEndpoint(),
        [](Connection&) -> std::unique_ptr<ConnectionHandler> { throw 3; }, ConnectorOptions{},
        [&](const Error& e) {
          journal.add("failed: " + e.message());
          throw std::runtime_error("and the failure callback throws too");
        });
    c->start();
    return c;
  });
  ASSERT_TRUE(journal.waitFor("failed"));
  EXPECT_NE(journal.snapshot()[0].find("handler factory threw"), std::string::npos)
      << journal.snapshot()[0];
  expectStillServing(server->localEndpoint());
  loop.call([&] {
    connector.reset();
    server.reset();
  });
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

TEST(ExceptionBarrier, DatagramHandlerThrowingLosesOnlyThatDatagram) {
  class Picky final : public DatagramHandler {
   public:
    void onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) override {
      if (bytes == "bad") throw std::runtime_error("bad datagram");
      if (bytes == "worse") throw 0;
      (void)socket.send(from, bytes);
    }
  } picky;
  LoopThread loop;
  auto socket = loop.call([&] {
    return std::move(*UdpSocket::bind(loop.loop(), *Endpoint::parse("127.0.0.1:0"), picky));
  });
  UdpClient client(AF_INET);
  Endpoint at = socket->localEndpoint();
  client.sendTo(at, "bad");
  client.sendTo(at, "worse");
  client.sendTo(at, "good");
  EXPECT_EQ(client.recv(), "good");
  loop.call([&] { socket.reset(); });
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

TEST(ExceptionBarrier, TimerSignalAndPostedWorkThrowingLeaveTheLoopRunning) {
  Loop loop;
  int ticks = 0;
  int signals = 0;
  int posted = 0;
  {
    Timer timer(loop);
    timer.start(1, 1, [&] {
      if (++ticks < 3) throw std::runtime_error("tick failed");
      timer.stop();
    });
    SignalWatch watch(loop, {SIGUSR2}, [&](int) {
      ++signals;
      throw 5;
    });
    loop.post([&] {
      ++posted;
      throw std::runtime_error("posted work failed");
    });
    loop.post([&] { ++posted; });
    std::raise(SIGUSR2);
    for (int i = 0; i < 2000 && (ticks < 3 || signals < 1 || posted < 2); ++i) {
      loop.runOnce(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(ticks, 3);
    EXPECT_EQ(signals, 1);
    EXPECT_EQ(posted, 2);
  }
  EXPECT_TRUE(loop.close().ok());
}

// The listener's shutdown() calls `done` from the last connection's close
// callback (or at once when none is open): a throw there is logged, the
// loop runs on and closes clean.
TEST(ExceptionBarrier, ListenerShutdownCallbackThrowingLeavesTheLoopClean) {
  Loop loop;
  Journal journal;
  bool escaped = false;
  int drained = 0;
  {
    auto listener = TcpListener::listen(loop, *Endpoint::parse("[::1]:0"), [&](Connection&) {
      return std::make_unique<ThrowingHandler>(Throw::Never, journal);
    });
    ASSERT_TRUE(listener.ok());
    auto idle = TcpListener::listen(loop, *Endpoint::parse("127.0.0.1:0"), [](Connection&) {
      return std::unique_ptr<ConnectionHandler>();
    });
    ASSERT_TRUE(idle.ok());
    EXPECT_NO_THROW((*idle)->shutdown([&] {
      ++drained;
      throw 9;
    }));
    SocketClient client((*listener)->localEndpoint());
    ASSERT_TRUE(client.connected());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    try {
      while ((*listener)->connectionCount() == 0 && std::chrono::steady_clock::now() < deadline)
        loop.runOnce(false);
      (*listener)->shutdown([&] {
        ++drained;
        throw std::runtime_error("shutdown done failed");
      });
      client.close();
      while (drained < 2 && std::chrono::steady_clock::now() < deadline) {
        loop.runOnce(false);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    } catch (...) {
      escaped = true;
    }
  }
  EXPECT_FALSE(escaped) << "the exception unwound through uv_run";
  EXPECT_EQ(drained, 2);
  Error closed = loop.close();
  EXPECT_TRUE(closed.ok()) << closed.message();
}
