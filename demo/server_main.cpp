// uvreactor-server: the echo, chat, IRC and console servers, wired from the library.
//
// Exit codes: 0 after a clean shutdown (SIGINT, SIGTERM, SIGHUP or SIGQUIT),
// 1 for a runtime error (address in use, bad address, workers that keep
// dying), 2 for a usage error. A second stop signal during shutdown exits at
// once with 1. SIGUSR1 prints the listeners' counts to stderr; SIGUSR2
// reloads the TLS certificate and key; SIGALRM is ignored. --workers N runs N processes (see
// Supervisor.hpp).
#include <signal.h>

#include <cxxopts.hpp>
#include <iostream>

#include "Server.hpp"
#include "ServerConfig.hpp"
#include "StandardDescriptors.hpp"
#include "Supervisor.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/Loop.hpp"

using namespace uvreactor;
using namespace uvreactor::demo;

int main(int argc, char** argv) {
  reopenClosedStandardDescriptors();
  // Before any output: `uvreactor-server --help | grep -q ...` must not die
  // of SIGPIPE halfway through the help when grep stops reading.
  ::signal(SIGPIPE, SIG_IGN);
  cxxopts::Options options(
      "uvreactor-server",
      "TCP+UDP echo, TCP chat, IRC and operator-console server on one libuv loop per process.\n"
      "Prints 'listening tcp HOST:PORT' / 'listening udp HOST:PORT' / "
      "'listening tls HOST:PORT' when ready; SIGINT/SIGTERM stop it gracefully (exit 0).");
  ServerConfig config;
  try {
    config = parseArgs(argc, argv, options);
  } catch (const UsageError& e) {
    std::cerr << "uvreactor-server: " << e.message << "\n\n" << visibleHelp(options) << std::endl;
    return 2;
  }
  if (!servesAnything(config)) {
    std::cout << visibleHelp(options) << std::endl;
    return 0;
  }
  setLogLevel(config.logLevel);
  if (config.workers > 1) return runSupervisor(config, argc, argv);
  if (config.workerIndex != 0) {
    if (!bindWorkerToSupervisor(config)) return 1;
    setLogTag("worker " + std::to_string(config.workerIndex));
  }
  Loop loop;
  int status = 0;
  {
    Server server(loop, config);
    if (Error e = server.start()) {
      std::cerr << "uvreactor-server: " << e.message() << std::endl;
      return 1;
    }
    loop.run();
  }
  if (Error e = loop.close()) {
    std::cerr << "uvreactor-server: " << e.message() << std::endl;
    status = 1;
  }
  return status;
}
