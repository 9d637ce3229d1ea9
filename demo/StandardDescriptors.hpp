// Programs started with stdin, stdout or stderr closed (`prog <&-`, some
// supervisors) would hand descriptors 0-2 to the first sockets they open,
// which libuv refuses with an assertion, and which a stray printf would then
// write into. Daemons reopen them on /dev/null first; so do we.
#pragma once

#include <fcntl.h>
#include <unistd.h>

namespace uvreactor::demo {

inline void reopenClosedStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1) continue;
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);
      ::close(opened);
    }
  }
}

}  // namespace uvreactor::demo
