#include "Platform.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "uvreactor/PlatformFeatures.hpp"

#if defined(__linux__) && !defined(UVR_PORTABLE_FALLBACKS)
#include <linux/sockios.h>  // SIOCOUTQ
#define UVR_UNSENT_SIOCOUTQ 1
#define UVR_REUSEPORT_OPTION SO_REUSEPORT
#elif defined(__FreeBSD__) && !defined(UVR_PORTABLE_FALLBACKS)
#include <sys/filio.h>  // FIONWRITE
#define UVR_UNSENT_FIONWRITE 1
#define UVR_REUSEPORT_OPTION SO_REUSEPORT_LB
#elif defined(__APPLE__) && !defined(UVR_PORTABLE_FALLBACKS)
#define UVR_UNSENT_SO_NWRITE 1
#endif

namespace uvreactor {

namespace detail {

int reopenPipeForReading(int fd) {
#if defined(__linux__) && !defined(UVR_PORTABLE_FALLBACKS)
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  return ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
#else
  (void)fd;
  return -1;
#endif
}

bool kernelUnsentBytes(uv_os_fd_t fd, int& bytes) {
#if defined(UVR_UNSENT_SIOCOUTQ)
  return ::ioctl(fd, SIOCOUTQ, &bytes) == 0;
#elif defined(UVR_UNSENT_FIONWRITE)
  return ::ioctl(fd, FIONWRITE, &bytes) == 0;
#elif defined(UVR_UNSENT_SO_NWRITE)
  socklen_t length = sizeof bytes;
  return ::getsockopt(fd, SOL_SOCKET, SO_NWRITE, &bytes, &length) == 0;
#else
  (void)fd;
  bytes = 0;
  return false;
#endif
}

int allowReusePort(uv_handle_t* handle) {
  uv_os_fd_t fd;
  if (int rc = uv_fileno(handle, &fd); rc != 0) return rc;
  return allowReusePortOn(fd);
}

}  // namespace detail

bool reusePortBalancesLoad() {
#if defined(UVR_REUSEPORT_OPTION)
  return true;
#else
  return false;
#endif
}

int allowReusePortOn(int fd) {
#if defined(UVR_REUSEPORT_OPTION)
  int on = 1;
  if (::setsockopt(fd, SOL_SOCKET, UVR_REUSEPORT_OPTION, &on, sizeof on) != 0)
    return uv_translate_sys_error(errno);
  return 0;
#else
  (void)fd;
  return UV_ENOTSUP;
#endif
}

}  // namespace uvreactor
