// Internal: SO_REUSEPORT on a libuv socket, for N processes (or loops) that
// each listen on the same port and let the kernel spread connections and
// datagrams among them.
//
// libuv 1.44 has no flag for it (UV_TCP_REUSEPORT/UV_UDP_REUSEPORT arrived
// in 1.49), so the socket is created at init (uv_tcp_init_ex/uv_udp_init_ex
// with the address family) and the option set on its descriptor before
// bind. The kernel admits only sockets of the same effective user into a
// port's group, so this does not reopen the hijack that exclusive UDP
// binding closed.
#pragma once

#include <sys/socket.h>
#include <uv.h>

namespace uvreactor::detail {

// 0, or a libuv error (UV_ENOTSUP where the platform lacks SO_REUSEPORT).
inline int allowReusePort(uv_handle_t* handle) {
#ifdef SO_REUSEPORT
  uv_os_fd_t fd;
  if (int rc = uv_fileno(handle, &fd); rc != 0) return rc;
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
    return uv_translate_sys_error(errno);
  return 0;
#else
  (void)handle;
  return UV_ENOTSUP;
#endif
}

}  // namespace uvreactor::detail
