// ServerProcess: the real uvreactor-server binary, started for a test.
//
// It waits for the "listening tcp/udp HOST:PORT" lines (so tests use port 0
// and learn the real port), keeps stderr in a file for assertions, and kills
// the process if a test forgets to stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "uvreactor/Endpoint.hpp"

namespace uvreactor::test {

struct ProcessResult {
  int exitCode = -1;  // -1 if it did not exit in time (it was then killed)
  std::string out;
  std::string err;
};

// Runs a program to completion with `input` on stdin.
ProcessResult runProgram(const std::vector<std::string>& argv, const std::string& input = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(20));

class ServerProcess {
 public:
  // Starts UVR_SERVER_BIN with `args`; ready() tells whether it announced
  // `tcpListeners` TCP or TLS listeners (plus their UDP sockets unless --no-udp).
  explicit ServerProcess(const std::vector<std::string>& args, std::size_t tcpListeners = 1);
  ~ServerProcess();

  bool ready() const { return !tcp.empty() || !tls.empty(); }
  pid_t pid() const { return pid_; }
  void signal(int signum);
  // Resident set size of the running server, from /proc; -1 if unknown.
  long rssKiB() const;
  // Waits for exit; returns the exit code, or -1 on timeout (then kills).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string stderrText() const;

  std::vector<Endpoint> tcp;
  std::vector<Endpoint> udp;
  std::vector<Endpoint> tls;  // "listening tls" (counted with tcpListeners)
  std::vector<std::string> announced;

 private:
  pid_t pid_ = -1;
  int stdoutFd_ = -1;
  std::string stderrPath_;
  std::optional<int> exitCode_;
};

}  // namespace uvreactor::test
