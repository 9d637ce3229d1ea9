// Echo over real loopback sockets, in-process: the reactor runs on a
// LoopThread, clients are plain blocking sockets. Parameterised by address
// family; every test ends by asserting the loop closed with no handle left.
#include <gtest/gtest.h>

#include <random>
#include <thread>
#include <vector>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

class TcpEcho : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto at = Endpoint::parse(GetParam());
    ASSERT_TRUE(at.ok());
    listener_ = loop_.call([&] {
      auto l = TcpListener::listen(loop_.loop(), *at, protocols::echo::makeEchoFactory(), options_);
      EXPECT_TRUE(l.ok()) << l.error().message();
      return l.ok() ? std::move(*l) : nullptr;
    });
    ASSERT_NE(listener_, nullptr);
    address_ = listener_->localEndpoint();
    ASSERT_NE(address_.port(), 0) << "port 0 must resolve to the real port";
  }
  void TearDown() override {
    loop_.call([&] { listener_.reset(); });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }
  std::size_t connections() {
    return loop_.call([&] { return listener_->connectionCount(); });
  }

  LoopThread loop_;
  ListenerOptions options_;
  std::unique_ptr<TcpListener> listener_;
  Endpoint address_;
};

}  // namespace

TEST_P(TcpEcho, EchoesALine) {
  SocketClient c(address_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.sendAll("hello\n"));
  EXPECT_EQ(c.recvLine(), "hello");
}

TEST_P(TcpEcho, SixteenMiBComeBackIntact) {
  std::string payload(16 * 1024 * 1024, '\0');
  std::mt19937 rng(42);
  for (auto& ch : payload) ch = static_cast<char>(rng());
  SocketClient c(address_);
  ASSERT_TRUE(c.connected());
  std::thread writer([&] { EXPECT_TRUE(c.sendAll(payload)); });
  std::string back = c.recvExact(payload.size(), 30s);
  writer.join();
  ASSERT_EQ(back.size(), payload.size());
  EXPECT_TRUE(back == payload) << "payload corrupted";
}

TEST_P(TcpEcho, HundredConcurrentClientsEachGetTheirOwnBytes) {
  std::vector<SocketClient> clients(100);
  for (auto& c : clients) ASSERT_TRUE(c.connect(address_));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].sendAll("client " + std::to_string(i) + "\n"));
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    EXPECT_EQ(clients[i].recvLine(), "client " + std::to_string(i));
  }
}

TEST_P(TcpEcho, HalfCloseGetsAllDataThenEof) {
  SocketClient c(address_);
  std::string data(300000, 'h');
  ASSERT_TRUE(c.sendAll(data));
  c.shutdownWrite();
  auto back = c.recvUntilEof(10s);
  ASSERT_TRUE(back.has_value()) << "server never closed after our FIN";
  EXPECT_EQ(back->size(), data.size());
}

TEST_P(TcpEcho, AbruptResetDoesNotDisturbOthers) {
  SocketClient steady(address_);
  for (int i = 0; i < 20; ++i) {
    SocketClient rude(address_);
    rude.sendAll(std::string(100000, 'r'));
    rude.reset();
  }
  ASSERT_TRUE(steady.sendAll("still here\n"));
  EXPECT_EQ(steady.recvLine(), "still here");
  // Every reset connection was reaped; only `steady` remains.
  for (int i = 0; i < 200 && connections() != 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(connections(), 1u);
}

TEST_P(TcpEcho, PortInUseIsAnErrorNamingTheAddress) {
  auto error = loop_.call([&] {
    auto second = TcpListener::listen(loop_.loop(), address_, protocols::echo::makeEchoFactory());
    return second.ok() ? Error() : second.error();
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error.message(), "bind " + address_.toString() + ": address already in use");
}

TEST_P(TcpEcho, ConnectAndVanishWithoutSendingIsReaped) {
  for (int i = 0; i < 50; ++i) SocketClient(address_).close();
  // Until all 50 are accepted the count can read 0 before they arrive.
  auto accepted = [&] { return loop_.call([&] { return listener_->stats().accepted; }); };
  for (int i = 0; i < 200 && (accepted() < 50 || connections() != 0); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(accepted(), 50u);
  EXPECT_EQ(connections(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, TcpEcho, ::testing::Values("127.0.0.1:0", "[::1]:0"),
                         FamilyName());

// Built by appending: GCC 12 at -O3 reports a false -Wrestrict for
// `"n" + std::to_string(i) + "\n"` (libstdc++'s inlined operator+).
std::string numberedLine(std::size_t i, bool newline) {
  std::string line = "n";
  line += std::to_string(i);
  if (newline) line += '\n';
  return line;
}

TEST(TcpEchoScale, AThousandSimultaneousClientsAreAllServed) {
  ASSERT_GE(raiseFdLimit(4096), 2100u) << "needs 2000 descriptors for both ends";
  LoopThread loop;
  auto listener = loop.call([&] {
    return std::move(*TcpListener::listen(loop.loop(), *Endpoint::parse("127.0.0.1:0"),
                                          protocols::echo::makeEchoFactory()));
  });
  Endpoint at = listener->localEndpoint();
  std::vector<SocketClient> clients(1000);
  for (auto& c : clients) ASSERT_TRUE(c.connect(at));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].sendAll(numberedLine(i, true)));
  }
  std::size_t served = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    served += clients[i].recvLine() == numberedLine(i, false);
  }
  EXPECT_EQ(served, 1000u);
  EXPECT_EQ(loop.call([&] { return listener->connectionCount(); }), 1000u);
  clients.clear();
  loop.call([&] { listener.reset(); });
  EXPECT_TRUE(loop.shutdown().ok());
}
