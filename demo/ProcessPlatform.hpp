// ProcessPlatform: the demo's calls that differ between the systems libuv
// runs on (the reactor's are in reactor/src/Platform.*): how a worker dies
// with its supervisor, how the supervisor starts its own program again,
// close-on-exec sockets, and what the kernel does with an exiting worker's
// queued connections. Each has a portable fallback; nothing else in demo/
// includes a Linux header (scripts/check-portability.py checks).
#pragma once

#include <string>

namespace uvreactor::demo {

// In a worker: arrange to die when the supervisor `parentPid` does
// (PR_SET_PDEATHSIG on Linux, PROC_PDEATHSIG_CTL on FreeBSD, elsewhere a
// thread that checks the parent twice a second). False if the parent is
// already gone: the caller exits.
bool dieWithParent(long parentPid);

// The program to spawn workers from: on Linux the running image itself
// (/proc/self/exe, which survives an upgrade that replaced the file),
// elsewhere libuv's uv_exepath(). Empty (with `error` set) if unknown.
std::string ownExecutable(std::string& error);

// A socket that is not inherited by the programs the process starts
// (SOCK_CLOEXEC where the system has it, fcntl otherwise); -errno on failure.
int openCloseOnExecSocket(int family, int type);

// A warning for the supervisor's log if a worker's exit resets the
// connections still queued on its listener (Linux: unless
// net.ipv4.tcp_migrate_req is 1); empty when there is nothing to say.
std::string queuedConnectionsWarning();

}  // namespace uvreactor::demo
