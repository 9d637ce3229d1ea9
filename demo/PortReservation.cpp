#include "PortReservation.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>

#include "ProcessPlatform.hpp"
#include "uvreactor/PlatformFeatures.hpp"

namespace uvreactor::demo {
namespace {

int reserveSocket(const Endpoint& at, int type) {
  int fd = openCloseOnExecSocket(at.family(), type);
  if (fd < 0) return fd;
  if (allowReusePortOn(fd) != 0) {  // --workers refuses such systems first
    ::close(fd);
    return -EOPNOTSUPP;
  }
  int on = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (at.isV6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  socklen_t length = at.isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (::bind(fd, at.sockaddrPtr(), length) != 0) {
    int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
}

// A connected UDP socket receives only from its peer, and the kernel
// leaves connected sockets out when it spreads a shared port's datagrams,
// so the reserve can stay bound for the supervisor's whole life without
// taking a datagram. Its peer is its own address (loopback for a wildcard
// one), from which only the port's holders can send.
int holdWithoutReceiving(int fd, const Endpoint& at) {
  sockaddr_storage peer{};
  socklen_t length = at.isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&peer, at.sockaddrPtr(), length);  // the scope of a link-local address too
  if (at.isV6()) {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(peer);
    if (IN6_IS_ADDR_UNSPECIFIED(&v6.sin6_addr)) v6.sin6_addr = in6addr_loopback;
  } else {
    auto& v4 = reinterpret_cast<sockaddr_in&>(peer);
    if (v4.sin_addr.s_addr == htonl(INADDR_ANY)) v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  return ::connect(fd, reinterpret_cast<sockaddr*>(&peer), length) == 0 ? 0 : -errno;
}

}  // namespace

Result<Reservation> reserve(const Endpoint& wanted, bool udp) {
  for (int attempt = 0;; ++attempt) {
    Reservation r;
    r.tcp = reserveSocket(wanted, SOCK_STREAM);
    if (r.tcp < 0) return Error::fromUv(uv_translate_sys_error(-r.tcp), "bind", wanted.toString());
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(r.tcp, reinterpret_cast<sockaddr*>(&bound), &length);
    r.at = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&bound));
    if (!udp) return r;
    r.udp = reserveSocket(r.at, SOCK_DGRAM);
    if (r.udp >= 0) {
      if (int rc = holdWithoutReceiving(r.udp, r.at); rc != 0) {
        ::close(r.tcp);
        ::close(r.udp);
        return Error::fromUv(uv_translate_sys_error(-rc), "hold udp", r.at.toString());
      }
      return r;
    }
    ::close(r.tcp);
    // Port 0 gave a port another program holds for UDP: try another.
    if (wanted.port() != 0 || attempt == 31) {
      return Error::fromUv(uv_translate_sys_error(-r.udp), "bind udp", r.at.toString());
    }
  }
}

}  // namespace uvreactor::demo
