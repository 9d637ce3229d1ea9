// reusePort: several listeners (and UDP sockets) on one address, the kernel
// spreading connections among them; without it a second bind is refused.
#include <gtest/gtest.h>

#include "echo/EchoHandler.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

class ReusePort : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(ReusePort, TwoListenersShareAPortAndBothServe) {
  Loop loop;
  {
    ListenerOptions options;
    options.reusePort = true;
    std::size_t accepted[2] = {0, 0};
    auto factory = [&](std::size_t which) {
      return [&accepted, which](Connection&) {
        ++accepted[which];
        return std::make_unique<protocols::echo::EchoHandler>();
      };
    };
    auto first = TcpListener::listen(loop, *Endpoint::parse(GetParam()), factory(0), options);
    ASSERT_TRUE(first.ok()) << first.error().message();
    Endpoint at = (*first)->localEndpoint();
    auto second = TcpListener::listen(loop, at, factory(1), options);
    ASSERT_TRUE(second.ok()) << second.error().message();
    auto refused = TcpListener::listen(loop, at, factory(1));
    ASSERT_FALSE(refused.ok()) << "a listener without reusePort joined the group";
    EXPECT_EQ(refused.error().kind(), ErrorKind::AddressInUse) << refused.error().message();

    std::vector<SocketClient> clients;
    for (int i = 0; i < 64; ++i) clients.emplace_back(at);
    for (int i = 0; i < 1000 && accepted[0] + accepted[1] < 64; ++i) loop.runOnce(false);
    EXPECT_EQ(accepted[0] + accepted[1], 64u);
    // The kernel hashes each connection's addresses: some land on each.
    EXPECT_GT(accepted[0], 0u);
    EXPECT_GT(accepted[1], 0u);
  }
  EXPECT_TRUE(loop.close().ok());
}

TEST_P(ReusePort, UdpSocketsShareAPortOnlyWhenAsked) {
  Loop loop;
  {
    protocols::echo::UdpEchoHandler echo;
    UdpOptions options;
    options.reusePort = true;
    auto first = UdpSocket::bind(loop, *Endpoint::parse(GetParam()), echo, options);
    ASSERT_TRUE(first.ok()) << first.error().message();
    Endpoint at = (*first)->localEndpoint();
    auto second = UdpSocket::bind(loop, at, echo, options);
    EXPECT_TRUE(second.ok()) << second.error().message();
    auto exclusive = UdpSocket::bind(loop, at, echo);
    ASSERT_FALSE(exclusive.ok());
    EXPECT_EQ(exclusive.error().kind(), ErrorKind::AddressInUse) << exclusive.error().message();
  }
  EXPECT_TRUE(loop.close().ok());
}

INSTANTIATE_TEST_SUITE_P(Families, ReusePort, ::testing::Values("127.0.0.1:0", "[::1]:0"),
                         FamilyName());
