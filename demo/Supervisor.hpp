// Supervisor: uvreactor-server --workers N. The parent process of N workers,
// each a whole single-threaded server (its own loop, its own SO_REUSEPORT
// sockets) among which the kernel spreads connections and datagrams: the
// nginx model, one loop per core.
//
// It lives in demo/, not the library: the library gives any application the
// building block (ListenerOptions::reusePort, UdpOptions::reusePort, one Loop
// per thread or process); whether to use processes or threads, how to
// restart, and what a signal means are the application's policy.
//
// The parent reserves every --listen address first and holds it for its
// whole life (see PortReservation.hpp: port 0 gets one port for all workers
// and for TCP and UDP, and when every worker dies at once no other user can
// take the port before the replacements bind it), starts the workers from
// its own program (ProcessPlatform.hpp) with the hidden --worker K:PID
// flag, and prints the "listening" lines once every worker reported ready.
// A worker that has not reported ready within --worker-ready-timeout is
// killed (SIGKILL) and, like one that dies, replaced after a capped backoff;
// five deaths within ten seconds make it give up (exit 1, naming the last
// death). SIGINT/SIGTERM/SIGHUP/SIGQUIT
// are forwarded as SIGTERM: each worker stops accepting, drains and exits;
// the parent exits 0 when all have exited 0, kills any still there
// --shutdown-timeout plus 5 s later (exit 1), and a second signal kills them
// at once (exit 1). SIGUSR1 is forwarded (each worker prints its counts).
// Workers die with the parent (PR_SET_PDEATHSIG on Linux). At exit the
// parent logs the totals of the workers' counts.
#pragma once

#include "ServerConfig.hpp"

namespace uvreactor::demo {

// Runs the supervisor until it stops; returns the process exit code.
// `argv` is the command line, passed on to the workers.
int runSupervisor(const ServerConfig& config, int argc, char** argv);

// In a worker: die with the supervisor (and exit at once if it is already
// gone). Returns false if the process must exit.
bool bindWorkerToSupervisor(const ServerConfig& config);

}  // namespace uvreactor::demo
