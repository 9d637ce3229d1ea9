#include "Supervisor.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "PortReservation.hpp"
#include "ProcessPlatform.hpp"
#include "Server.hpp"
#include "WorkerCommand.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/Timer.hpp"

namespace uvreactor::demo {
namespace {

constexpr int kCrashLimit = 5;  // deaths within kCrashWindowMs: give up
constexpr uint64_t kCrashWindowMs = 10000;
constexpr uint64_t kMaxBackoffMs = 5000;
constexpr uint64_t kKillGraceMs = 5000;  // past --shutdown-timeout

void say(const std::string& text) {
  std::cerr << "uvreactor-server: " << text << std::endl;
}

class Supervisor;

struct Worker {
  Supervisor* owner = nullptr;
  unsigned index = 0;
  uv_process_t* process = nullptr;  // null while not running
  uv_pipe_t* status = nullptr;
  std::string partial;             // status bytes up to the next newline
  std::vector<std::string> stats;  // "stats ..." lines of its last run
  bool ready = false;
  std::unique_ptr<Timer> restart;
  std::unique_ptr<Timer> readyDeadline;  // --worker-ready-timeout from its start
};

class Supervisor {
 public:
  Supervisor(Loop& loop, const ServerConfig& config, int argc, char** argv)
      : loop_(loop), config_(config), argv_(argv, argv + argc) {}

  int run();
  void onStatus(Worker& w, std::string_view bytes);
  void onExit(Worker& w, int64_t status, int signum);

 private:
  void spawn(Worker& w);
  void onLine(Worker& w, const std::string& line);
  void onReadyTimeout(Worker& w);
  void drainStatus(Worker& w);
  void onSignal(int signum);
  void stopAll();
  void finishIfDone();
  void logTotals();
  std::size_t running() const;

  Loop& loop_;
  const ServerConfig& config_;
  std::vector<std::string> argv_;
  std::string executable_;
  std::vector<Reservation> reserved_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::deque<uint64_t> deaths_;  // times of recent unplanned exits
  std::map<std::string, std::map<std::string, uint64_t>> totals_;
  std::optional<SignalWatch> signals_;
  std::optional<Timer> deadline_;
  bool announced_ = false;
  bool stopping_ = false;
  int exitCode_ = 0;
};

int Supervisor::run() {
  // A certificate or key that does not load is one line and exit 1 here,
  // not workers that die at start until the supervisor gives up.
  if (!config_.tlsListen.empty() || !config_.ircTlsListen.empty()) {
    if (auto tls = makeServerTls(config_); !tls) {
      say(tls.error().message());
      return 1;
    }
  }
  // In the order a single process announces them.
  for (const auto& [list, kind] : {std::pair{&config_.listen, ListenKind::Plain},
                                   std::pair{&config_.tlsListen, ListenKind::Tls},
                                   std::pair{&config_.ircListen, ListenKind::Irc},
                                   std::pair{&config_.ircTlsListen, ListenKind::IrcTls}}) {
    for (const Endpoint& at : *list) {
      auto r = reserve(at, config_.udp && kind == ListenKind::Plain);
      if (!r) {
        say(r.error().message());
        return 1;
      }
      r->kind = kind;
      reserved_.push_back(*r);
    }
  }
  std::string error;
  executable_ = ownExecutable(error);
  if (executable_.empty()) {
    say(error);
    return 1;
  }
  if (std::string warning = queuedConnectionsWarning(); !warning.empty()) say(warning);
  signals_.emplace(
      loop_,
      std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM},
      [this](int signum) { onSignal(signum); });
  for (unsigned i = 1; i <= config_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->index = i;
    workers_.back()->owner = this;
    spawn(*workers_.back());
  }
  loop_.run();
  for (auto& r : reserved_) {
    if (r.tcp >= 0) ::close(r.tcp);
    if (r.udp >= 0) ::close(r.udp);
  }
  return exitCode_;
}

void Supervisor::spawn(Worker& w) {
  std::vector<std::string> args = workerArguments(argv_, w.index, ::getpid(), reserved_);
  std::vector<char*> raw;
  for (auto& a : args) raw.push_back(a.data());
  raw.push_back(nullptr);
  std::vector<std::string> env = workerEnvironment(config_);
  std::vector<char*> rawEnv;
  for (auto& e : env) rawEnv.push_back(e.data());
  rawEnv.push_back(nullptr);

  w.status = new uv_pipe_t;
  uv_pipe_init(loop_.raw(), w.status, 0);
  w.status->data = &w;
  uv_stdio_container_t stdio[4];
  stdio[0].flags = UV_IGNORE;
  stdio[1].flags = UV_INHERIT_FD;
  stdio[1].data.fd = STDOUT_FILENO;
  stdio[2].flags = UV_INHERIT_FD;
  stdio[2].data.fd = STDERR_FILENO;
  stdio[3].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
  stdio[3].data.stream = reinterpret_cast<uv_stream_t*>(w.status);
  uv_process_options_t options{};
  options.file = executable_.c_str();
  options.args = raw.data();
  options.env = rawEnv.data();
  options.stdio = stdio;
  options.stdio_count = 4;
  options.exit_cb = [](uv_process_t* p, int64_t status, int signum) {
    auto* worker = static_cast<Worker*>(p->data);
    worker->owner->onExit(*worker, status, signum);
  };
  w.process = new uv_process_t;
  w.process->data = &w;
  w.ready = false;
  w.stats.clear();
  if (!w.restart) w.restart = std::make_unique<Timer>(loop_);
  if (!w.readyDeadline) w.readyDeadline = std::make_unique<Timer>(loop_);
  if (int rc = uv_spawn(loop_.raw(), w.process, &options); rc != 0) {
    say("worker " + std::to_string(w.index) + ": cannot start: " + uv_strerror(rc));
    uv_close(reinterpret_cast<uv_handle_t*>(w.process), [](uv_handle_t* h) { delete h; });
    w.process = nullptr;
    onExit(w, 127, 0);
    return;
  }
  logLine(LogLevel::Info, "worker " + std::to_string(w.index) + " started (pid " +
                              std::to_string(w.process->pid) + ")");
  w.readyDeadline->start(config_.workerReadyTimeoutMs, 0, [this, &w] { onReadyTimeout(w); });
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(w.status),
      [](uv_handle_t*, std::size_t suggested, uv_buf_t* buf) {
        static char slab[4096];
        *buf = uv_buf_init(slab, static_cast<unsigned>(std::min(suggested, sizeof slab)));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
        auto* worker = static_cast<Worker*>(s->data);
        if (n > 0)
          worker->owner->onStatus(*worker,
                                  std::string_view(buf->base, static_cast<std::size_t>(n)));
        if (n < 0) uv_read_stop(s);
      });
}

void Supervisor::onStatus(Worker& w, std::string_view bytes) {
  w.partial.append(bytes);
  std::size_t nl;
  while ((nl = w.partial.find('\n')) != std::string::npos) {
    std::string line = w.partial.substr(0, nl);
    w.partial.erase(0, nl + 1);
    onLine(w, line);
  }
}

void Supervisor::onLine(Worker& w, const std::string& line) {
  if (line.rfind("stats ", 0) == 0) {
    w.stats.push_back(line);
    return;
  }
  if (line != "ready") return;
  w.ready = true;
  w.readyDeadline->stop();
  // A stop that came while it was starting: now it has its handlers.
  if (stopping_ && w.process != nullptr) uv_process_kill(w.process, SIGTERM);
  if (announced_) return;
  for (const auto& other : workers_) {
    if (!other->ready) return;
  }
  announced_ = true;
  for (Reservation& r : reserved_) {
    bool tls = r.kind == ListenKind::Tls || r.kind == ListenKind::IrcTls;
    std::printf("listening %s %s\n", tls ? "tls" : "tcp", r.at.toString().c_str());
    if (r.udp >= 0) std::printf("listening udp %s\n", r.at.toString().c_str());
  }
  std::fflush(stdout);
}

// A worker that hangs before it serves (a stuck disk, a stopped process)
// would otherwise hold its slot, and the "listening" lines, forever: it is
// killed, and its exit replaces it like any death.
void Supervisor::onReadyTimeout(Worker& w) {
  if (w.process == nullptr || w.ready) return;
  say("worker " + std::to_string(w.index) + " (pid " + std::to_string(w.process->pid) +
      ") did not report ready within " + std::to_string(config_.workerReadyTimeoutMs) +
      " ms (--worker-ready-timeout): killing it");
  uv_process_kill(w.process, SIGKILL);
}

// The exit can be reported before the last status lines were read: read
// what the pipe still holds before closing it.
void Supervisor::drainStatus(Worker& w) {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(w.status), &fd) == 0) {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
      onStatus(w, std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
  uv_close(reinterpret_cast<uv_handle_t*>(w.status),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
  w.status = nullptr;
  w.partial.clear();
}

void Supervisor::onExit(Worker& w, int64_t status, int signum) {
  std::string who = "worker " + std::to_string(w.index) +
                    (w.process != nullptr ? " (pid " + std::to_string(w.process->pid) + ")" : "");
  if (w.process != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(w.process),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_process_t*>(h); });
    w.process = nullptr;
  }
  if (w.status != nullptr) drainStatus(w);
  if (w.readyDeadline) w.readyDeadline->stop();
  for (const std::string& line : w.stats) {
    // "stats HOST:PORT: key=value ..." summed per address.
    std::istringstream words(line.substr(6));
    std::string address, pair;
    words >> address;
    while (words >> pair) {
      std::size_t eq = pair.find('=');
      if (eq != std::string::npos) {
        totals_[address][pair.substr(0, eq)] += std::strtoull(pair.c_str() + eq + 1, nullptr, 10);
      }
    }
  }
  std::string how =
      signum != 0 ? "killed by signal " + std::to_string(signum) + " (" + strsignal(signum) + ")"
                  : "exited with status " + std::to_string(status);
  if (stopping_) {
    if (status != 0 || signum != 0) {
      say(who + " " + how);
      exitCode_ = 1;
    }
    finishIfDone();
    return;
  }
  uint64_t now = loop_.nowMs();
  deaths_.push_back(now);
  while (!deaths_.empty() && now - deaths_.front() > kCrashWindowMs) deaths_.pop_front();
  if (deaths_.size() >= static_cast<std::size_t>(kCrashLimit)) {
    say("workers keep dying (" + std::to_string(deaths_.size()) + " exits within " +
        std::to_string(kCrashWindowMs / 1000) + " s, the last: " + who + " " + how +
        "); giving up");
    exitCode_ = 1;
    stopAll();
    return;
  }
  uint64_t delay = std::min<uint64_t>(kMaxBackoffMs, 100ull << (deaths_.size() - 1));
  say(who + " " + how + "; starting a new one in " + std::to_string(delay) + " ms");
  w.restart->start(delay, 0, [this, &w] {
    if (!stopping_) spawn(w);
  });
}

std::size_t Supervisor::running() const {
  std::size_t n = 0;
  for (const auto& w : workers_) n += w->process != nullptr;
  return n;
}

void Supervisor::onSignal(int signum) {
  if (signum == SIGALRM) return;
  // SIGUSR1: each worker prints its counts; SIGUSR2: each reloads the TLS
  // certificate and key (and logs a pair that does not load).
  if (signum == SIGUSR1 || signum == SIGUSR2) {
    for (const auto& w : workers_) {
      if (w->process != nullptr && w->ready) uv_process_kill(w->process, signum);
    }
    return;
  }
  if (stopping_) {
    say("second signal, killing the workers and exiting now");
    for (const auto& w : workers_) {
      if (w->process != nullptr) uv_process_kill(w->process, SIGKILL);
    }
    std::fflush(nullptr);
    ::_exit(1);
  }
  logLine(LogLevel::Info, std::string("signal ") + strsignal(signum) + ": stopping the workers");
  stopAll();
}

// Each worker stops accepting, drains within --shutdown-timeout and exits;
// one that is still there well after that is killed.
void Supervisor::stopAll() {
  stopping_ = true;
  for (const auto& w : workers_) {
    w->restart->stop();
    // One still starting has no handler yet (the signal would kill it): it
    // is told when it reports ready.
    if (w->process != nullptr && w->ready) uv_process_kill(w->process, SIGTERM);
  }
  deadline_.emplace(loop_);
  deadline_->start(config_.shutdownTimeoutMs + kKillGraceMs, 0, [this] {
    say("workers still running after the shutdown timeout: killing them");
    exitCode_ = 1;
    for (const auto& w : workers_) {
      if (w->process != nullptr) uv_process_kill(w->process, SIGKILL);
    }
  });
  finishIfDone();
}

void Supervisor::finishIfDone() {
  if (!stopping_ || running() != 0) return;
  logTotals();
  deadline_.reset();
  signals_.reset();
  for (const auto& w : workers_) {
    w->restart.reset();
    w->readyDeadline.reset();
  }
}

void Supervisor::logTotals() {
  for (const auto& [address, counts] : totals_) {
    std::string line = "stats total " + address;
    for (const auto& [key, value] : counts) line += " " + key + "=" + std::to_string(value);
    logLine(LogLevel::Info, line);
  }
}

}  // namespace

int runSupervisor(const ServerConfig& config, int argc, char** argv) {
  Loop loop;
  int code = Supervisor(loop, config, argc, argv).run();
  if (Error e = loop.close()) {
    say(e.message());
    code = 1;
  }
  return code;
}

bool bindWorkerToSupervisor(const ServerConfig& config) {
  return dieWithParent(config.supervisorPid);
}

}  // namespace uvreactor::demo
