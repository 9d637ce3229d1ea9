#include "support/ServerProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace uvreactor::test {
namespace {

std::vector<char*> cArgs(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string tempPath(const char* tag) {
  char name[] = "/tmp/uvr-test-XXXXXX";
  int fd = ::mkstemp(name);
  if (fd >= 0) ::close(fd);
  return std::string(name) + tag;
}

// Waits for pid with a deadline; returns the exit code, 128+signal if it was
// killed by one, or -1 on timeout.
int waitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

ProcessResult runProgram(const std::vector<std::string>& argvIn, const std::string& input,
                         std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = argvIn;
  std::string inPath = tempPath(".in"), outPath = tempPath(".out"), errPath = tempPath(".err");
  std::ofstream(inPath) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, inPath.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid;
  auto args = cArgs(argv);
  ProcessResult result;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    result.exitCode = waitFor(pid, timeout);
    if (result.exitCode == -1) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  for (auto& p : {inPath, outPath, errPath}) ::unlink(p.c_str());
  return result;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args, std::size_t tcpListeners) {
  std::vector<std::string> argv{UVR_SERVER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  bool wantUdp = true;
  for (const auto& a : args) {
    if (a == "--no-udp" || a == "chat" || a == "irc") wantUdp = false;
  }
  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0) return;
  stderrPath_ = tempPath(".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderrPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  auto cargs = cArgs(argv);
  int rc = posix_spawn(&pid_, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipeFds[1]);
  stdoutFd_ = pipeFds[0];
  if (rc != 0) {
    pid_ = -1;
    return;
  }
  std::size_t want = tcpListeners * (wantUdp ? 2 : 1);
  std::string pending;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (announced.size() < want && std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdoutFd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = ::read(stdoutFd_, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      announced.push_back(line);
      for (auto [prefix, list] : {std::pair{"listening tcp ", &tcp},
                                  {"listening udp ", &udp},
                                  {"listening tls ", &tls}}) {
        std::string head(prefix);
        if (line.rfind(head, 0) == 0) {
          if (auto e = Endpoint::parse(line.substr(head.size()))) list->push_back(*e);
        }
      }
    }
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exitCode_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdoutFd_ >= 0) ::close(stdoutFd_);
  if (!stderrPath_.empty()) ::unlink(stderrPath_.c_str());
}

long ServerProcess::rssKiB() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void ServerProcess::signal(int signum) {
  if (pid_ > 0 && !exitCode_) ::kill(pid_, signum);
}

int ServerProcess::wait(std::chrono::milliseconds timeout) {
  if (exitCode_) return *exitCode_;
  if (pid_ <= 0) return -1;
  int code = waitFor(pid_, timeout);
  if (code == -1) return -1;
  exitCode_ = code;
  return code;
}

std::string ServerProcess::stderrText() const {
  return readFile(stderrPath_);
}

}  // namespace uvreactor::test
