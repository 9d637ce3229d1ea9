// ListenerOptions::maxPerAddress: one host cannot take every slot. Clients
// connect from two loopback addresses (127.0.0.1 and 127.0.0.2, both on lo).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

// A blocking client socket bound to `from` before it connects to `to`.
int connectFrom(const char* from, const Endpoint& to) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in source{};
  source.sin_family = AF_INET;
  ::inet_pton(AF_INET, from, &source.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
      ::connect(fd, to.sockaddrPtr(), sizeof(sockaddr_in)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// What the server answers to one line: the echo, the reject message, or "".
std::string exchange(int fd) {
  if (::send(fd, "hi\n", 3, MSG_NOSIGNAL) != 3) return "";
  char buffer[128];
  ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
}

}  // namespace

TEST(AddressLimit, OneHostGetsAtMostItsShareAndOthersAreStillServed) {
  LoopThread loop;
  ListenerOptions options;
  options.maxPerAddress = 3;
  options.rejectMessage = "full\n";
  auto listener = loop.call([&] {
    return std::move(*TcpListener::listen(loop.loop(), *Endpoint::parse("127.0.0.1:0"),
                                          protocols::echo::makeEchoFactory(), options));
  });
  Endpoint at = listener->localEndpoint();
  std::vector<int> first;
  for (int i = 0; i < 3; ++i) {
    first.push_back(connectFrom("127.0.0.1", at));
    ASSERT_GE(first.back(), 0);
    EXPECT_EQ(exchange(first.back()), "hi\n");
  }
  int over = connectFrom("127.0.0.1", at);
  ASSERT_GE(over, 0);
  char buffer[64];
  ssize_t n = ::recv(over, buffer, sizeof buffer, 0);
  EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), "full\n");
  ::close(over);
  // The same host keeps connecting and never closing: all turned away.
  std::vector<int> flood;
  for (int i = 0; i < 300; ++i) flood.push_back(connectFrom("127.0.0.1", at));
  int other = connectFrom("127.0.0.2", at);
  ASSERT_GE(other, 0) << "127.0.0.2 is not usable here";
  EXPECT_EQ(exchange(other), "hi\n") << "another host must still be served";
  for (int fd : flood) ::close(fd);
  // A slot freed by the first host is its own again.
  ::close(first[0]);
  std::string again;
  for (int i = 0; i < 50 && again != "hi\n"; ++i) {
    std::this_thread::sleep_for(20ms);
    int fd = connectFrom("127.0.0.1", at);
    again = exchange(fd);
    if (again == "hi\n")
      first[0] = fd;
    else
      ::close(fd);
  }
  EXPECT_EQ(again, "hi\n");
  EXPECT_GE(loop.call([&] { return listener->stats().rejectedByAddress; }), 301u);
  for (int fd : first) ::close(fd);
  ::close(other);
  loop.call([&] { listener.reset(); });
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}
