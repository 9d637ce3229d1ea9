#include "AddressKey.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace uvreactor::detail {
namespace {

std::string masked(char family, const unsigned char* bytes, unsigned width, unsigned prefix) {
  prefix = std::min(prefix, width * 8);
  std::string key(1, family);
  key.push_back(static_cast<char>(prefix));
  unsigned whole = prefix / 8, rest = prefix % 8;
  key.append(reinterpret_cast<const char*>(bytes), whole);
  if (rest != 0) key.push_back(static_cast<char>(bytes[whole] & (0xff << (8 - rest))));
  return key;
}

}  // namespace

std::string addressKey(const sockaddr* address, unsigned v4Prefix, unsigned v6Prefix) {
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return masked('4', reinterpret_cast<const unsigned char*>(&in->sin_addr), 4, v4Prefix);
  }
  if (address->sa_family != AF_INET6) return {};
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
  const auto* bytes = reinterpret_cast<const unsigned char*>(&in6->sin6_addr);
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes, kMapped, sizeof kMapped) == 0)
    return masked('4', bytes + sizeof kMapped, 4, v4Prefix);
  return masked('6', bytes, 16, v6Prefix);
}

}  // namespace uvreactor::detail
