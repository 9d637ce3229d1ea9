#include "PortReservation.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>

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
    if (r.udp >= 0) return r;
    ::close(r.tcp);
    // Port 0 gave a port another program holds for UDP: try another.
    if (wanted.port() != 0 || attempt == 31) {
      return Error::fromUv(uv_translate_sys_error(-r.udp), "bind udp", r.at.toString());
    }
  }
}

}  // namespace uvreactor::demo
