#include <gtest/gtest.h>
#include <uv.h>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// A client handler: says hello on open, records the reply.
struct Greeter final : ConnectionHandler {
  explicit Greeter(std::string& out) : reply(out) {}
  void onOpen(Connection& c) override { c.send("hello\n"); }
  void onData(Connection& c, std::string_view bytes) override {
    reply.append(bytes);
    if (reply.find('\n') != std::string::npos) c.close();
  }
  std::string& reply;
};

}  // namespace

TEST(TcpConnector, AClientIsWrittenLikeAServer) {
  Loop loop;
  {
    auto server =
        TcpListener::listen(loop, *Endpoint::parse("[::1]:0"), protocols::echo::makeEchoFactory());
    ASSERT_TRUE(server.ok());
    std::string reply;
    TcpConnector connector(loop, (*server)->localEndpoint(),
                           [&](Connection&) { return std::make_unique<Greeter>(reply); });
    connector.start();
    Timer guard(loop);
    guard.start(5000, 0, [&] { loop.stop(); });
    while (reply.find('\n') == std::string::npos && loop.runOnce(true)) {
    }
    EXPECT_EQ(reply, "hello\n");
    server->reset();
  }
  EXPECT_TRUE(loop.close().ok());
}

TEST(TcpConnector, RetriesWithBackoffThenReportsTheError) {
  Loop loop;
  {
    ConnectorOptions options;
    options.maxAttempts = 4;
    options.initialBackoffMs = 10;
    options.maxBackoffMs = 40;
    Error failure;
    int failures = 0;
    Endpoint target = unusedLoopbackPort();
    TcpConnector connector(
        loop, target, [](Connection&) -> std::unique_ptr<ConnectionHandler> { return nullptr; },
        options,
        [&](const Error& e) {
          failure = e;
          ++failures;
        });
    connector.start();
    loop.run();
    EXPECT_EQ(failures, 1);
    EXPECT_EQ(connector.attempts(), 4u);
    EXPECT_EQ(failure.code(), UV_ECONNREFUSED);
    EXPECT_EQ(failure.message(), "connect " + target.toString() + ": connection refused");
  }
  EXPECT_TRUE(loop.close().ok());
}

// The natural reaction to a final failure: drop the connector. The error
// and the callback's captures outlive that, for the rest of the callback.
TEST(TcpConnector, FailureCallbackMayDestroyTheConnector) {
  Loop loop;
  ConnectorOptions options;
  options.maxAttempts = 1;
  Endpoint target = unusedLoopbackPort();
  std::unique_ptr<TcpConnector> connector;
  std::string context(48, 'c');  // heap-held capture
  std::string said;
  connector = std::make_unique<TcpConnector>(
      loop, target, [](Connection&) { return std::unique_ptr<ConnectionHandler>(); }, options,
      [&connector, &said, context](const Error& e) {
        connector.reset();
        said = context + ": " + e.message();
      });
  connector->start();
  loop.run();
  EXPECT_EQ(connector, nullptr);
  EXPECT_EQ(said, context + ": connect " + target.toString() + ": connection refused");
  EXPECT_TRUE(loop.close().ok());
}

TEST(TcpConnector, DestroyedMidBackoffOrMidConnectIsClean) {
  for (int delayMs : {0, 5, 30}) {
    Loop loop;
    ConnectorOptions options;
    options.maxAttempts = 0;  // forever
    options.initialBackoffMs = 20;
    auto connector = std::make_unique<TcpConnector>(
        loop, unusedLoopbackPort(),
        [](Connection&) { return std::unique_ptr<ConnectionHandler>(); }, options);
    connector->start();
    {
      Timer killer(loop);
      killer.start(static_cast<uint64_t>(delayMs), 0, [&] { connector.reset(); });
      loop.run();
    }
    EXPECT_EQ(connector, nullptr);
    EXPECT_TRUE(loop.close().ok()) << "delay " << delayMs;
  }
}

TEST(TcpConnector, ConnectTimeoutIsReported) {
  // A loopback listener that never accepts, its backlog already full: further
  // SYNs are dropped, so the connect neither succeeds nor fails by itself.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  Endpoint target = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&a));
  for (int i = 0; i < 4; ++i) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(s, target.sockaddrPtr(), sizeof a);
    ::usleep(20000);
    ::close(s);
  }
  Loop loop;
  ConnectorOptions options;
  options.connectTimeoutMs = 200;
  Error failure;
  {
    TcpConnector connector(
        loop, target, [](Connection&) { return std::unique_ptr<ConnectionHandler>(); }, options,
        [&](const Error& e) { failure = e; });
    connector.start();
    loop.run();
  }
  EXPECT_TRUE(loop.close().ok());
  ::close(fd);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure.message(), "connect " + target.toString() + ": timed out after 200 ms");
}
