#include "support/NetNamespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace uvreactor::test {
namespace {

// The child's report: 'S' (skip) or 'F' (failure) then text, or nothing.
void report(int fd, char kind, const std::string& text) {
  std::string message = kind + text;
  ssize_t ignored = ::write(fd, message.data(), message.size());
  (void)ignored;
}

[[noreturn]] void runChild(int fd, const std::vector<std::string>& setup,
                           const std::function<std::string()>& body) {
  if (::unshare(CLONE_NEWNET) != 0) {
    report(fd, 'S',
           std::string("cannot create a network namespace (unshare: ") + std::strerror(errno) +
               "); this test needs root or CAP_SYS_ADMIN");
    ::_exit(0);
  }
  std::vector<std::string> commands{"ip link set lo up"};
  commands.insert(commands.end(), setup.begin(), setup.end());
  for (const std::string& command : commands) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
      report(fd, 'S',
             "in the test's network namespace, '" + command +
                 "' failed (iproute2 missing, or the kernel lacks the feature)");
      ::_exit(0);
    }
  }
  std::string failure;
  try {
    failure = body();
  } catch (const std::exception& e) {
    failure = std::string("exception: ") + e.what();
  }
  if (!failure.empty()) report(fd, 'F', failure);
  ::_exit(0);  // no atexit handlers, no gtest teardown: those are the parent's
}

}  // namespace

NamespaceOutcome inNewNetNamespace(const std::vector<std::string>& setup,
                                   const std::function<std::string()>& body,
                                   std::chrono::seconds timeout) {
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return {{}, std::string("pipe: ") + std::strerror(errno)};
  pid_t pid = ::fork();
  if (pid < 0) return {{}, std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    ::close(pipeFds[0]);
    runChild(pipeFds[1], setup, body);
  }
  ::close(pipeFds[1]);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ::close(pipeFds[0]);
      return {{}, "the namespaced part did not finish in time"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipeFds[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<std::size_t>(n));
  ::close(pipeFds[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {{}, "the namespaced part died (status " + std::to_string(status) + "): " + text};
  if (text.empty()) return {};
  if (text[0] == 'S') return {text.substr(1), {}};
  return {{}, text.substr(1)};
}

}  // namespace uvreactor::test
