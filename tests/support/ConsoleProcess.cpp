#include "support/ConsoleProcess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

extern char** environ;

namespace uvreactor::test {
namespace {

std::string tempPath(const char* tag) {
  char name[] = "/tmp/uvr-console-XXXXXX";
  int fd = ::mkstemp(name);
  if (fd >= 0) ::close(fd);
  ::unlink(name);
  return std::string(name) + tag;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

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

// All of `bytes` within 30 s (a server that stopped reading fails the
// test instead of hanging it); `fd` is non-blocking.
bool writeAll(int fd, const std::string& bytes) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::vector<char*> cArgs(std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (auto& a : argv) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

// A pseudo-terminal: the master for the test, the slave for the server's
// stdin, in normal (canonical) mode without echo.
bool openTerminal(int& master, int& slave) {
  master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return false;
  const char* name = ::ptsname(master);
  if (name == nullptr) return false;
  slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return false;
  termios mode{};
  if (::tcgetattr(slave, &mode) != 0) return false;
  mode.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
  return ::tcsetattr(slave, TCSANOW, &mode) == 0;
}

}  // namespace

ConsoleProcess::ConsoleProcess(const std::vector<std::string>& args, Options options) {
  std::vector<std::string> argv{UVR_SERVER_BIN, "--protocol", "console"};
  argv.insert(argv.end(), args.begin(), args.end());
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return;
  stderrPath_ = tempPath(".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int childIn = -1;
  switch (options.in) {
    case ConsoleStdin::Pipe: {
      int in[2];
      if (::pipe2(in, O_CLOEXEC) != 0) return;
      childIn = in[0];
      stdinFd_ = in[1];
      break;
    }
    case ConsoleStdin::Terminal:
      if (!openTerminal(stdinFd_, childIn)) return;
      break;
    case ConsoleStdin::File:
      filePath_ = tempPath(".in");
      std::ofstream(filePath_) << options.fileContent;
      posix_spawn_file_actions_addopen(&actions, 0, filePath_.c_str(), O_RDONLY, 0);
      break;
    case ConsoleStdin::DevNull:
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
      break;
  }
  if (childIn >= 0) posix_spawn_file_actions_adddup2(&actions, childIn, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderrPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  auto cargs = cArgs(argv);
  int rc = posix_spawn(&pid_, cargs[0], &actions, nullptr, cargs.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (childIn >= 0) ::close(childIn);
  if (stdinFd_ >= 0) ::fcntl(stdinFd_, F_SETFL, ::fcntl(stdinFd_, F_GETFL) | O_NONBLOCK);
  ::close(out[1]);
  stdoutFd_ = out[0];
  if (rc != 0) {
    pid_ = -1;
    return;
  }
  // Up to the "listening" line only, byte by byte: what follows is the
  // reader thread's, or stays in the pipe.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdoutFd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c;
    if (::read(stdoutFd_, &c, 1) != 1) break;
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    lines_.push_back(line);
    const std::string head = "listening tcp ";
    if (line.rfind(head, 0) == 0) {
      if (auto e = Endpoint::parse(line.substr(head.size()))) endpoint = *e;
      break;
    }
    line.clear();
  }
  if (options.readStdout) readStdoutNow();
}

void ConsoleProcess::readStdoutNow() {
  if (reading_) return;
  reading_ = true;
  reader_ = std::thread([this] { readLoop(); });
}

void ConsoleProcess::readLoop() {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(stdoutFd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (n <= 0) {
      if (!pending.empty()) lines_.push_back(pending);
      stdoutEnded_ = true;
      changed_.notify_all();
      return;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      lines_.push_back(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
    changed_.notify_all();
  }
}

ConsoleProcess::~ConsoleProcess() {
  if (pid_ > 0 && !exitCode_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdinFd_ >= 0) ::close(stdinFd_);
  if (reader_.joinable()) reader_.join();  // the server is gone: its stdout has ended
  if (stdoutFd_ >= 0) ::close(stdoutFd_);
  for (auto* path : {&stderrPath_, &filePath_})
    if (!path->empty()) ::unlink(path->c_str());
}

bool ConsoleProcess::type(const std::string& bytes) {
  return stdinFd_ >= 0 && writeAll(stdinFd_, bytes);
}

void ConsoleProcess::closeStdin() {
  if (stdinFd_ >= 0) ::close(stdinFd_);
  stdinFd_ = -1;
}

std::optional<std::string> ConsoleProcess::waitForLine(const std::string& text,
                                                       std::chrono::milliseconds timeout,
                                                       std::size_t from, std::size_t* at) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::optional<std::string> found;
  changed_.wait_for(lock, timeout, [&] {
    for (std::size_t i = from; i < lines_.size(); ++i) {
      if (lines_[i].find(text) != std::string::npos) {
        found = lines_[i];
        if (at != nullptr) *at = i;
        return true;
      }
    }
    return stdoutEnded_;
  });
  return found;
}

std::vector<std::string> ConsoleProcess::lines() {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_;
}

bool ConsoleProcess::waitForStderr(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stderrText().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string ConsoleProcess::stderrText() const {
  return readFile(stderrPath_);
}

void ConsoleProcess::signal(int signum) {
  if (pid_ > 0 && !exitCode_) ::kill(pid_, signum);
}

int ConsoleProcess::wait(std::chrono::milliseconds timeout) {
  if (exitCode_) return *exitCode_;
  if (pid_ <= 0) return -1;
  int code = waitFor(pid_, timeout);
  if (code == -1) return -1;
  exitCode_ = code;
  return code;
}

long ConsoleProcess::rssKiB() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

long ConsoleProcess::cpuTicks() const {
  std::string stat = readFile("/proc/" + std::to_string(pid_) + "/stat");
  std::size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  // After the name: state is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

ChildProgram::ChildProgram(const std::vector<std::string>& argvIn) {
  std::vector<std::string> argv = argvIn;
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return;
  outPath_ = tempPath(".out");
  errPath_ = tempPath(".err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, outPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, errPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  auto cargs = cArgs(argv);
  if (posix_spawnp(&pid_, cargs[0], &actions, nullptr, cargs.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  stdinFd_ = in[1];
  ::fcntl(stdinFd_, F_SETFL, ::fcntl(stdinFd_, F_GETFL) | O_NONBLOCK);
}

ChildProgram::~ChildProgram() {
  if (pid_ > 0 && !exitCode_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  closeStdin();
  for (auto* path : {&outPath_, &errPath_})
    if (!path->empty()) ::unlink(path->c_str());
}

bool ChildProgram::type(const std::string& bytes) {
  return stdinFd_ >= 0 && writeAll(stdinFd_, bytes);
}

void ChildProgram::closeStdin() {
  if (stdinFd_ >= 0) ::close(stdinFd_);
  stdinFd_ = -1;
}

int ChildProgram::wait(std::chrono::milliseconds timeout) {
  if (exitCode_) return *exitCode_;
  if (pid_ <= 0) return -1;
  int code = waitFor(pid_, timeout);
  if (code == -1) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  exitCode_ = code;
  return code;
}

std::string ChildProgram::out() const {
  return readFile(outPath_);
}

std::string ChildProgram::err() const {
  return readFile(errPath_);
}

}  // namespace uvreactor::test
