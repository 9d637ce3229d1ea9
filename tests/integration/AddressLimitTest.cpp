// ListenerOptions::maxPerAddress: one host cannot take every slot. Clients
// connect from two loopback addresses (127.0.0.1 and 127.0.0.2, both on lo),
// and, in a network namespace of the test's own, from several IPv6
// addresses of one /64 (what any home line holds).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "echo/EchoHandler.hpp"
#include "support/LoopThread.hpp"
#include "support/NetNamespace.hpp"
#include "support/ServerProcess.hpp"
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

// The first line a chat server sends a client connecting from IPv6 `from`
// (the welcome, or the reject message), or "" if none; the socket, open,
// in `fd`.
std::string greetingFrom(const char* from, const Endpoint& to, int& fd) {
  fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in6 source{};
  source.sin6_family = AF_INET6;
  ::inet_pton(AF_INET6, from, &source.sin6_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
      ::connect(fd, to.sockaddrPtr(), sizeof(sockaddr_in6)) != 0)
    return "";
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string line;
  char c;
  while (::recv(fd, &c, 1, 0) == 1 && c != '\n') line.push_back(c);
  return line;
}

// Runs a chat server on [2001:db8:1:2::1] with `extra` flags and connects
// from each of `from` in turn, keeping every connection open; returns the
// first two characters of each greeting ("* " welcome, "! " turned away),
// joined by ',', or what went wrong.
std::string greetings(const std::vector<std::string>& extra, const std::vector<const char*>& from) {
  std::vector<std::string> args{
      "--protocol", "chat", "--listen", "[2001:db8:1:2::1]:0", "--max-connections-per-ip", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  ServerProcess server(args);
  if (!server.ready()) return "server did not start: " + server.stderrText();
  std::string out;
  std::vector<int> open;
  for (const char* address : from) {
    int fd = -1;
    std::string line = greetingFrom(address, server.tcp[0], fd);
    open.push_back(fd);
    if (!out.empty()) out += ',';
    out += line.substr(0, 2);
  }
  for (int fd : open) ::close(fd);
  server.signal(SIGTERM);
  if (server.wait() != 0) return "server did not stop cleanly: " + server.stderrText();
  return out;
}

const std::vector<std::string> kSlash64Addresses{
    "ip -6 addr add 2001:db8:1:2::1/64 dev lo nodad",
    "ip -6 addr add 2001:db8:1:2::2/64 dev lo nodad",
    "ip -6 addr add 2001:db8:1:2:ffff::3/64 dev lo nodad",
    "ip -6 addr add 2001:db8:1:2:abcd:1234:5678:9/64 dev lo nodad",
    "ip -6 addr add 2001:db8:1:3::1/64 dev lo nodad"};

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

TEST(AddressLimit, IPv6PeersOfOneSlash64ShareOneLimitAndOtherNetworksAreServed) {
  auto outcome = inNewNetNamespace(kSlash64Addresses, [&]() -> std::string {
    // Four addresses of 2001:db8:1:2::/64, then one of the next /64.
    std::string got =
        greetings({}, {"2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:2:abcd:1234:5678:9",
                       "2001:db8:1:2::1", "2001:db8:1:3::1"});
    if (got != "* ,* ,! ,! ,* ")
      return "with the default /64, expected two admitted, two turned away, the other /64 "
             "admitted; got " +
             got;
    // Keyed by the whole address (the flag), each address is its own.
    got = greetings({"--per-ip-prefix", "32/128"},
                    {"2001:db8:1:2::2", "2001:db8:1:2::2", "2001:db8:1:2::2", "2001:db8:1:2::1"});
    if (got != "* ,* ,! ,* ")
      return "with --per-ip-prefix 32/128, expected the third from one address turned away "
             "and another address admitted; got " +
             got;
    return "";
  });
  if (!outcome.skip.empty()) GTEST_SKIP() << outcome.skip;
  EXPECT_EQ(outcome.failure, "");
}
