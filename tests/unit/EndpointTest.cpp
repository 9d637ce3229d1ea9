#include "uvreactor/Endpoint.hpp"

#include <gtest/gtest.h>

using uvreactor::Endpoint;

TEST(Endpoint, ParsesIpv4) {
  auto e = Endpoint::parse("127.0.0.1:9006");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->family(), AF_INET);
  EXPECT_EQ(e->port(), 9006);
  EXPECT_EQ(e->host(), "127.0.0.1");
  EXPECT_EQ(e->toString(), "127.0.0.1:9006");
}

TEST(Endpoint, ParsesBracketedIpv6) {
  auto e = Endpoint::parse("[::1]:0");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->isV6());
  EXPECT_EQ(e->port(), 0);
  EXPECT_EQ(e->toString(), "[::1]:0");
}

TEST(Endpoint, LocalhostMeansIpv4Loopback) {
  auto e = Endpoint::parse("localhost:80");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->toString(), "127.0.0.1:80");
}

TEST(Endpoint, ErrorsNameTheInput) {
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:x9", "1.2.3:80",
                          "::1:80", "[::1]80", "[::1", "example.com:80"}) {
    auto e = Endpoint::parse(bad);
    ASSERT_FALSE(e.ok()) << bad;
    std::string shown(bad);
    // The message quotes what was typed (brackets may be added around IPv6).
    EXPECT_NE(e.error().message().find("address "), std::string::npos) << e.error().message();
    EXPECT_GT(e.error().message().size(), shown.size()) << bad;
  }
}

TEST(Endpoint, RoundTripsThroughSockaddr) {
  auto e = Endpoint::parse("[fe80::1]:443");
  ASSERT_TRUE(e.ok());
  Endpoint copy = Endpoint::fromSockaddr(e->sockaddrPtr());
  EXPECT_EQ(copy, *e);
  EXPECT_EQ(copy.toString(), "[fe80::1]:443");
}
