// detail::addressKey: which peers count as one against maxPerAddress.
#include "AddressKey.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

using uvreactor::detail::addressKey;

namespace {

std::string key(const char* address, unsigned v4 = 32, unsigned v6 = 64) {
  sockaddr_storage storage{};
  if (std::string(address).find(':') == std::string::npos) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    EXPECT_EQ(::inet_pton(AF_INET, address, &in->sin_addr), 1) << address;
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    EXPECT_EQ(::inet_pton(AF_INET6, address, &in6->sin6_addr), 1) << address;
  }
  return addressKey(reinterpret_cast<const sockaddr*>(&storage), v4, v6);
}

}  // namespace

TEST(AddressKey, IPv6PeersOfOneSlash64ShareAKeyByDefault) {
  EXPECT_EQ(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(key("2001:db8:1:2::1"), key("2001:db8:1:2:abcd::9"));
  EXPECT_NE(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
  EXPECT_NE(key("2001:db8:1:2::1"), key("2001:db9:1:2::1"));
}

TEST(AddressKey, IPv4PeersAreKeyedByTheWholeAddressByDefault) {
  EXPECT_EQ(key("192.0.2.7"), key("192.0.2.7"));
  EXPECT_NE(key("192.0.2.7"), key("192.0.2.8"));
}

TEST(AddressKey, IPv4MappedIPv6IsKeyedAsTheIPv4Address) {
  EXPECT_EQ(key("::ffff:192.0.2.7"), key("192.0.2.7"));
  EXPECT_NE(key("::ffff:192.0.2.7"), key("::ffff:192.0.2.8"));
  // Not the ::ffff:0:0/96 prefix: an ordinary IPv6 address.
  EXPECT_NE(key("::fffe:192.0.2.7"), key("192.0.2.7"));
}

TEST(AddressKey, PrefixLengthsAreTheOperatorsAndCutInsideAByte) {
  EXPECT_EQ(key("192.0.2.7", 24), key("192.0.2.200", 24));
  EXPECT_NE(key("192.0.2.7", 24), key("192.0.3.7", 24));
  EXPECT_EQ(key("192.0.2.1", 30), key("192.0.2.3", 30));
  EXPECT_NE(key("192.0.2.1", 30), key("192.0.2.4", 30));
  EXPECT_EQ(key("2001:db8:1:2::1", 32, 48), key("2001:db8:1:ffff::1", 32, 48));
  EXPECT_NE(key("2001:db8:1:2::1", 32, 128), key("2001:db8:1:2::2", 32, 128));
  EXPECT_EQ(key("2001:db8::1", 32, 60), key("2001:db8:0:f::1", 32, 60));
  EXPECT_NE(key("2001:db8::1", 32, 60), key("2001:db8:0:10::1", 32, 60));
  // The same bytes in two families never collide.
  EXPECT_NE(key("0.0.0.0", 8), key("::", 32, 8));
  // Prefixes past the family's width are clamped to it.
  EXPECT_EQ(key("192.0.2.7", 99), key("192.0.2.7", 32));
}

TEST(AddressKey, OtherFamiliesHaveNoKey) {
  sockaddr_storage unix{};
  unix.ss_family = AF_UNIX;
  EXPECT_EQ(addressKey(reinterpret_cast<const sockaddr*>(&unix), 32, 64), "");
}
