// Internal: the one place where the reactor calls what differs between the
// systems libuv runs on (Linux, the BSDs, macOS). Everything else in
// reactor/ uses POSIX and libuv only; scripts/check-portability.py fails the
// test run if a Linux header or a Linux-only call appears anywhere else.
//
// Each call has a portable fallback, chosen at compile time. Defining
// UVR_PORTABLE_FALLBACKS compiles the fallbacks even on Linux, which is how
// the test script proves they build without a BSD or macOS machine.
#pragma once

#include <limits.h>
#include <uv.h>

namespace uvreactor::detail {

// Buffers per gathered write: the system's IOV_MAX (1024 on Linux, the
// BSDs and macOS), capped there because the list lives on the stack; POSIX's
// minimum, 16, where <limits.h> does not say. libuv splits a longer list
// itself, so a smaller runtime limit costs writes, not correctness.
#if defined(IOV_MAX) && !defined(UVR_PORTABLE_FALLBACKS)
constexpr unsigned kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;
#else
constexpr unsigned kMaxIov = 16;
#endif

// Bytes a TCP socket's kernel send buffer still holds, not yet acknowledged
// or not yet sent (SIOCOUTQ on Linux, FIONWRITE on FreeBSD, SO_NWRITE on
// macOS). False where the system cannot tell; then the idle timer sees only
// the progress of libuv's own queue (see TcpConnection::onTimer).
bool kernelUnsentBytes(uv_os_fd_t fd, int& bytes);

// Lets several sockets bind one address and have the kernel spread
// connections and datagrams among them, on a libuv socket created but not
// yet bound: SO_REUSEPORT on Linux, SO_REUSEPORT_LB on FreeBSD. 0, or a
// libuv error; UV_ENOTSUP where the system has no balancing option (macOS,
// whose SO_REUSEPORT gives every connection to one of the sockets).
int allowReusePort(uv_handle_t* handle);

// A new open file description (read-only, nonblocking, close-on-exec) for
// the pipe or FIFO `fd` reads, so that flags set on it are not shared with
// other processes holding `fd`: Linux reopens /proc/self/fd/N; elsewhere
// opening /dev/fd/N only duplicates the descriptor, so this returns -1 there
// and the caller keeps `fd`.
int reopenPipeForReading(int fd);

}  // namespace uvreactor::detail
