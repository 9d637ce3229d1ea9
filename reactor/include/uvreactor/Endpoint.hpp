// Endpoint: an IPv4 or IPv6 address and port, parsed from and printed as
// "HOST:PORT" or "[V6]:PORT".
//
// A plain 28-byte value (a sockaddr_in or sockaddr_in6 inside, not a
// 128-byte sockaddr_storage: every connection holds one); no name resolution happens here,
// so parsing never blocks the loop. "localhost" is accepted as 127.0.0.1.
// Parse errors name the input that was rejected.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "uvreactor/Error.hpp"

namespace uvreactor {

class Endpoint {
 public:
  Endpoint();

  static Result<Endpoint> parse(std::string_view hostPort);
  static Result<Endpoint> fromHostPort(std::string_view host, std::string_view port);
  static Endpoint fromSockaddr(const sockaddr* address);

  const sockaddr* sockaddrPtr() const { return &storage_.any; }
  int family() const { return storage_.any.sa_family; }
  bool isV6() const { return family() == AF_INET6; }
  uint16_t port() const;
  std::string host() const;
  // "127.0.0.1:9006" or "[::1]:9006".
  std::string toString() const;

  bool operator==(const Endpoint& other) const;

 private:
  union Storage {
    sockaddr any;
    sockaddr_in v4;
    sockaddr_in6 v6;
  };
  Storage storage_;
};

}  // namespace uvreactor
