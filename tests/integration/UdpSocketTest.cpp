#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdio>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/NetNamespace.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

struct Recorder final : DatagramHandler {
  void onDatagram(UdpSocket&, const Endpoint&, std::string_view bytes) override {
    whole.emplace_back(bytes);
  }
  void onTruncated(UdpSocket&, const Endpoint&, std::string_view bytes) override {
    truncated.emplace_back(bytes);
  }
  std::vector<std::string> whole, truncated;
};

class Udp : public ::testing::TestWithParam<const char*> {
 protected:
  void TearDown() override {
    loop_.call([&] { socket_.reset(); });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }
  void bind(DatagramHandler& handler, UdpOptions options = {}) {
    socket_ = loop_.call([&] {
      auto s = UdpSocket::bind(loop_.loop(), *Endpoint::parse(GetParam()), handler, options);
      EXPECT_TRUE(s.ok()) << s.error().message();
      return s.ok() ? std::move(*s) : nullptr;
    });
    ASSERT_NE(socket_, nullptr);
    address_ = socket_->localEndpoint();
  }
  LoopThread loop_;
  std::unique_ptr<UdpSocket> socket_;
  Endpoint address_;
};

}  // namespace

TEST_P(Udp, EchoesEachDatagramToItsSender) {
  protocols::echo::UdpEchoHandler echo;
  bind(echo);
  UdpClient a(address_.family()), b(address_.family());
  ASSERT_TRUE(a.sendTo(address_, "from a"));
  ASSERT_TRUE(b.sendTo(address_, "from b"));
  EXPECT_EQ(a.recv(), "from a");
  EXPECT_EQ(b.recv(), "from b");
}

TEST_P(Udp, OversizedDatagramIsReportedTruncatedNotWhole) {
  Recorder recorder;
  UdpOptions options;
  options.maxDatagramSize = 100;
  bind(recorder, options);
  UdpClient c(address_.family());
  ASSERT_TRUE(c.sendTo(address_, std::string(500, 'T')));
  ASSERT_TRUE(c.sendTo(address_, "small"));
  for (int i = 0; i < 200; ++i) {
    if (loop_.call([&] { return recorder.whole.size() + recorder.truncated.size(); }) >= 2) break;
    std::this_thread::sleep_for(10ms);
  }
  loop_.call([&] {
    EXPECT_EQ(recorder.whole, (std::vector<std::string>{"small"}));
    ASSERT_EQ(recorder.truncated.size(), 1u);
    EXPECT_EQ(recorder.truncated[0].size(), 100u);
    EXPECT_EQ(socket_->stats().truncated, 1u);
  });
}

TEST_P(Udp, DatagramTooLargeToSendIsAnError) {
  Recorder recorder;
  bind(recorder);
  Error e = loop_.call([&] { return socket_->send(address_, std::string(70000, 'x')); });
  ASSERT_TRUE(e);
  EXPECT_EQ(e.code(), UV_EMSGSIZE);
  EXPECT_NE(e.message().find(address_.toString()), std::string::npos) << e.message();
}

TEST_P(Udp, NoOtherSocketCanBindTheSamePort) {
  // With SO_REUSEADDR on both sides Linux lets a second socket (any user's)
  // bind the port and receive the datagrams meant for the server.
  Recorder recorder;
  bind(recorder);
  int fd = ::socket(address_.family(), SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address_.isV6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  int rc = ::bind(fd, address_.sockaddrPtr(),
                  address_.isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
  int err = errno;
  ::close(fd);
  EXPECT_EQ(rc, -1) << "another socket bound the server's UDP port";
  EXPECT_EQ(err, EADDRINUSE);
}

namespace {

// In a namespace whose lo holds packets in a slow queue (so the kernel's
// send buffer fills and sends return EAGAIN): floods `count` empty
// datagrams toward a peer that never reads, then checks what the queue
// holds against its cap. "" if it held.
std::string floodEmptyDatagrams(const char* at, std::size_t cap, std::size_t count) {
  Loop loop;
  Recorder recorder;
  UdpOptions options;
  options.maxQueuedBytes = cap;
  auto socket = UdpSocket::bind(loop, *Endpoint::parse(std::string(at) + ":0"), recorder, options);
  if (!socket) return socket.error().message();
  Endpoint peerAt = *Endpoint::parse(std::string(at) + ":0");
  int peer = ::socket(peerAt.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::bind(peer, peerAt.sockaddrPtr(),
             peerAt.isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in)) != 0 ||
      ::getsockname(peer, reinterpret_cast<sockaddr*>(&bound), &length) != 0)
    return "cannot bind the peer";
  Endpoint to = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < count; ++i) accepted += (*socket)->send(to, {}) ? 0 : 1;
  const UdpStats& stats = (*socket)->stats();
  std::size_t held = accepted - stats.sent;
  std::string report = std::string(at) + ": accepted " + std::to_string(accepted) + ", sent " +
                       std::to_string(stats.sent) + ", held " + std::to_string(held) +
                       ", dropped " + std::to_string(stats.dropped) + ", queuedBytes " +
                       std::to_string((*socket)->queuedBytes());
  std::fprintf(stderr, "%s\n", report.c_str());  // the figures, for whoever reads the test log
  std::string failure;
  if (held == 0) failure = "the kernel never returned EAGAIN, nothing was queued; ";
  if (held * sizeof(uv_udp_send_t) > cap) failure += "the queue holds more than its cap; ";
  if ((*socket)->queuedBytes() > cap) failure += "queuedBytes is over the cap; ";
  if ((*socket)->queuedBytes() < held * sizeof(uv_udp_send_t))
    failure += "queuedBytes counts less than the requests it holds; ";
  if (stats.dropped == 0) failure += "nothing was dropped; ";
  socket->reset();
  ::close(peer);
  Error closed = loop.close();
  if (closed) failure += "loop: " + closed.message();
  return failure.empty() ? "" : failure + "(" + report + ")";
}

}  // namespace

TEST(UdpQueue, EmptyDatagramsCountAgainstTheCapWhenSendsReturnEagain) {
  // tbf at 8 kbit/s on lo: what is sent waits in the queue, charged to the
  // sender's socket buffer, which fills after a few hundred datagrams.
  auto outcome =
      inNewNetNamespace({"tc qdisc add dev lo root tbf rate 8kbit burst 1600 limit 10000000"}, [] {
        std::string failure = floodEmptyDatagrams("127.0.0.1", 64 * 1024, 20000);
        if (failure.empty()) failure = floodEmptyDatagrams("[::1]", 64 * 1024, 20000);
        return failure;
      });
  if (!outcome.skip.empty()) GTEST_SKIP() << outcome.skip;
  EXPECT_EQ(outcome.failure, "");
}

INSTANTIATE_TEST_SUITE_P(Families, Udp, ::testing::Values("127.0.0.1:0", "[::1]:0"), FamilyName());
