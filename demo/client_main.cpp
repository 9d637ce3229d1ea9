// uvreactor-client: the tutorial's line client, written like a server: a
// TcpConnector hands the connection to a handler, and a stdin reader thread
// posts lines into the loop (Loop::post is the one thread-safe entry).
//
// End of input: over TCP the client half-closes and exits when the server
// closes its side (echo and chat both do), or after --wait seconds of quiet
// counted from when all input was written (never while still connecting).
// Over UDP it exits --wait seconds after the last reply.
//
// Input has backpressure: the reader thread stops reading stdin while more
// than kInputInFlight bytes are posted but not yet written to the socket, so
// a fast pipe or a server that does not read cannot grow our memory.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "ClientConfig.hpp"
#include "ClientSession.hpp"
#include "StandardDescriptors.hpp"
#include "uvreactor/Loop.hpp"

using namespace uvreactor;
using namespace uvreactor::demo;

namespace {

using Post = std::function<void(std::function<void(Session&)>)>;

// stdin may be a terminal, a pipe or a file; a blocking reader thread
// handles all three. UDP sends a datagram per line; TCP sends the bytes
// as they come, in pieces of at most 64 KiB (a huge line is no problem).
void readInput(bool udp, InputCredit& credit, const Post& post) {
  if (udp) {
    std::string line;
    while (std::getline(std::cin, line)) {
      line.push_back('\n');
      credit.acquire(line.size());
      post([l = line](Session& s) mutable { s.send(std::move(l)); });
    }
  } else {
    std::string chunk(64 * 1024, '\0');
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      credit.acquire(static_cast<std::size_t>(n));
      post([bytes = chunk.substr(0, static_cast<std::size_t>(n))](Session& s) mutable {
        s.send(std::move(bytes));
      });
    }
  }
  post([](Session& s) { s.endOfInput(); });
}

// The session until it ends; the exit code.
int run(const ClientConfig& config) {
  ::signal(SIGPIPE, SIG_IGN);
  Loop loop;
  InputCredit credit;
  std::unique_ptr<Session> session = makeSession(loop, config, credit);
  // Work the reader posts runs only while the session lives: after run()
  // returns, a late post (stdin's EOF racing the server's close) is dropped.
  auto live = std::make_shared<std::atomic<bool>>(true);
  Post post = [&loop, &session, live](std::function<void(Session&)> work) {
    loop.post([&session, live, work = std::move(work)]() mutable {
      if (*live) work(*session);
    });
  };
  std::atomic<bool> inputDone{false};
  std::thread reader([&] {
    readInput(config.udp, credit, post);
    inputDone = true;
  });
  loop.run();
  *live = false;
  credit.close();
  int code = session->exitCode;
  if (!inputDone) {
    // The server ended the session while stdin is still open; the reader is
    // blocked in read() and must not post into a destroyed loop.
    std::fflush(stdout);
    ::_exit(code);
  }
  reader.join();
  session.reset();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  uvreactor::demo::reopenClosedStandardDescriptors();
  int exitCode = 0;
  std::optional<ClientConfig> config = parseClientArgs(argc, argv, exitCode);
  if (!config) return exitCode;
  return run(*config);
}
