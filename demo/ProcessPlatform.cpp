#include "ProcessPlatform.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#if defined(__linux__) && !defined(UVR_PORTABLE_FALLBACKS)
#include <sys/prctl.h>
#define UVR_DEATHSIG_PRCTL 1
#define UVR_SELF_EXE "/proc/self/exe"
#define UVR_MIGRATE_SYSCTL "/proc/sys/net/ipv4/tcp_migrate_req"
#elif defined(__FreeBSD__) && !defined(UVR_PORTABLE_FALLBACKS)
#include <sys/procctl.h>
#define UVR_DEATHSIG_PROCCTL 1
#endif

namespace uvreactor::demo {

bool dieWithParent(long parentPid) {
#if defined(UVR_DEATHSIG_PRCTL)
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#elif defined(UVR_DEATHSIG_PROCCTL)
  int signum = SIGKILL;
  ::procctl(P_PID, 0, PROC_PDEATHSIG_CTL, &signum);
#else
  // An orphan is adopted by another process: its parent pid changes.
  std::thread([parentPid] {
    while (::getppid() == static_cast<pid_t>(parentPid))
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ::_exit(1);
  }).detach();
#endif
  // The parent may have died before the call above: then we are an orphan.
  return ::getppid() == static_cast<pid_t>(parentPid);
}

std::string ownExecutable(std::string& error) {
#if defined(UVR_SELF_EXE)
  (void)error;
  return UVR_SELF_EXE;
#else
  char path[4096];
  size_t size = sizeof path;
  if (int rc = uv_exepath(path, &size); rc != 0) {
    error = std::string("cannot find this program's path: ") + uv_strerror(rc);
    return {};
  }
  return std::string(path, size);
#endif
}

int openCloseOnExecSocket(int family, int type) {
#if defined(SOCK_CLOEXEC) && !defined(UVR_PORTABLE_FALLBACKS)
  int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  return fd >= 0 ? fd : -errno;
#else
  // No other thread starts programs in the supervisor, so nothing can
  // inherit the descriptor between the two calls.
  int fd = ::socket(family, type, 0);
  if (fd < 0) return -errno;
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
#endif
}

std::string queuedConnectionsWarning() {
#if defined(UVR_MIGRATE_SYSCTL)
  std::ifstream sysctl(UVR_MIGRATE_SYSCTL);
  int migrate = -1;
  if (sysctl >> migrate && migrate != 0) return {};
  return migrate == 0
             ? "warning: net.ipv4.tcp_migrate_req is 0: when a worker exits, connections "
               "waiting in its accept queue are reset (sysctl -w net.ipv4.tcp_migrate_req=1 "
               "moves them to another worker)"
             : "warning: this kernel cannot move queued connections between listeners "
               "(tcp_migrate_req, Linux 5.14): a worker's exit resets those in its accept queue";
#else
  return {};
#endif
}

}  // namespace uvreactor::demo
