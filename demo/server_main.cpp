// uvreactor-server: the echo and chat servers, wired from the library.
//
// Exit codes: 0 after a clean shutdown (SIGINT, SIGTERM, SIGHUP or SIGQUIT),
// 1 for a runtime error (address in use, bad address), 2 for a usage error.
// A second stop signal during shutdown exits at once with 1. SIGUSR1 prints
// the listeners' counts to stderr; SIGUSR2 and SIGALRM are ignored.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cxxopts.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "StandardDescriptors.hpp"
#include "chat/ChatHandler.hpp"
#include "chat/ChatRoomService.hpp"
#include "echo/EchoHandler.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;

namespace {

struct ServerConfig {
  std::string protocol = "echo";
  std::vector<Endpoint> listen;
  bool udp = true;
  std::size_t maxLine = 4096;
  uint64_t shutdownTimeoutMs = 5000;
  LogLevel logLevel = LogLevel::Warn;
  ListenerOptions listener;
};

struct UsageError {
  std::string message;
};

// Seconds as milliseconds: finite, 0 or at least 1 ms (a value that would
// round to 0 must not silently mean "off"), and at most a year.
uint64_t secondsToMs(double seconds, const char* flag) {
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  std::string name = std::string("--") + flag;
  if (!(seconds >= 0 && seconds <= kMaxSeconds)) {
    throw UsageError{name + " must be between 0 and " + std::to_string(int(kMaxSeconds)) +
                     " seconds"};
  }
  if (seconds > 0 && seconds < 0.001) throw UsageError{name + " must be 0 or at least 0.001"};
  return static_cast<uint64_t>(seconds * 1000.0 + 0.5);
}

// Counts and sizes: at least `min`, at most `max` (1 TiB by default; a typo
// of extra digits is an error, not a limit that never applies).
std::size_t boundedCount(const cxxopts::ParseResult& args, const char* flag, std::size_t min,
                         std::size_t max = std::size_t{1} << 40) {
  std::size_t value = args[flag].as<std::size_t>();
  if (value < min || value > max) {
    throw UsageError{std::string("--") + flag + " must be between " + std::to_string(min) +
                     " and " + std::to_string(max)};
  }
  return value;
}

ServerConfig parseArgs(int argc, char** argv, cxxopts::Options& options) {
  // clang-format off
  options.add_options()
    ("p,protocol", "echo or chat", cxxopts::value<std::string>()->default_value("echo"))
    ("l,listen", "HOST:PORT or [V6]:PORT to serve on; repeatable; port 0 picks a free port",
      cxxopts::value<std::vector<std::string>>()->default_value("127.0.0.1:9006"))
    ("no-udp", "echo: do not serve UDP on the same ports",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("max-connections", "accept at most N connections at once; more are closed at once (0: no limit)",
      cxxopts::value<std::size_t>()->default_value("10000"))
    ("max-line", "chat: longest line in bytes; a longer one closes the connection",
      cxxopts::value<std::size_t>()->default_value("4096"))
    ("idle-timeout", "close connections idle this many seconds (0: never; chat default 300)",
      cxxopts::value<double>())
    ("shutdown-timeout", "on SIGINT/SIGTERM, seconds to flush clients before resetting them",
      cxxopts::value<double>()->default_value("5"))
    ("high-water", "queued output bytes above which a connection stops reading",
      cxxopts::value<std::size_t>()->default_value("1048576"))
    ("low-water", "queued output bytes at which reading resumes",
      cxxopts::value<std::size_t>()->default_value("262144"))
    ("max-queued", "queued output bytes past which a connection is dropped as a slow consumer",
      cxxopts::value<std::size_t>()->default_value("8388608"))
    ("read-budget", "bytes one connection may read per loop pass before yielding to others (0: no limit)",
      cxxopts::value<std::size_t>()->default_value("65536"))
    ("log-level", "debug, info, warn, error or off", cxxopts::value<std::string>()->default_value("warn"))
    ("h,help", "show this help");
  // clang-format on
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError{e.what()};
  }
  if (!args.unmatched().empty()) throw UsageError{"unexpected argument: " + args.unmatched()[0]};
  ServerConfig c;
  if (args.count("help")) return c;
  c.protocol = args["protocol"].as<std::string>();
  if (c.protocol != "echo" && c.protocol != "chat") {
    throw UsageError{"--protocol must be echo or chat, not '" + c.protocol + "'"};
  }
  for (const auto& text : args["listen"].as<std::vector<std::string>>()) {
    auto endpoint = Endpoint::parse(text);
    if (!endpoint) throw UsageError{endpoint.error().message()};
    for (const Endpoint& seen : c.listen) {
      if (endpoint->port() != 0 && seen.toString() == endpoint->toString()) {
        throw UsageError{"--listen " + text + " is given twice"};
      }
    }
    c.listen.push_back(*endpoint);
  }
  c.udp = c.protocol == "echo" && !args["no-udp"].as<bool>();
  c.maxLine = boundedCount(args, "max-line", 1, std::size_t{16} << 20);
  auto level = parseLogLevel(args["log-level"].as<std::string>());
  if (!level) throw UsageError{"--log-level must be debug, info, warn, error or off"};
  c.logLevel = *level;
  c.shutdownTimeoutMs = secondsToMs(args["shutdown-timeout"].as<double>(), "shutdown-timeout");
  ConnectionOptions& conn = c.listener.connection;
  conn.idleTimeoutMs = args.count("idle-timeout")
                           ? secondsToMs(args["idle-timeout"].as<double>(), "idle-timeout")
                           : (c.protocol == "chat" ? 300000 : 0);
  conn.highWaterMark = boundedCount(args, "high-water", 0);
  conn.lowWaterMark = boundedCount(args, "low-water", 0);
  conn.maxQueuedBytes = boundedCount(args, "max-queued", 1);
  if (conn.lowWaterMark > conn.highWaterMark) {
    throw UsageError{"--low-water must not exceed --high-water"};
  }
  if (conn.maxQueuedBytes < conn.highWaterMark) {
    throw UsageError{"--max-queued must be at least --high-water"};
  }
  conn.readBudgetBytes = boundedCount(args, "read-budget", 0);
  c.listener.maxConnections = boundedCount(args, "max-connections", 0, 100000000);
  if (c.protocol == "chat") c.listener.rejectMessage = "! server full, try again later\n";
  return c;
}

// Everything one server process runs; destroyed in order before the Loop.
class Server {
 public:
  Server(Loop& loop, ServerConfig config) : loop_(loop), config_(std::move(config)) {}

  Error start() {
    // Before the first "listening" line: a supervisor may signal as soon as
    // it reads one, and the default action would kill us mid-start.
    // Every signal whose default action would end the process is handled:
    // the stop signals stop gracefully, SIGUSR1 prints the counts, and
    // SIGUSR2 and SIGALRM, which mean nothing here, are ignored.
    signals_.emplace(
        loop_,
        std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM},
        [this](int signum) { onSignal(signum); });
    HandlerFactory factory = config_.protocol == "chat"
                                 ? protocols::chat::makeChatFactory(chat_, config_.maxLine)
                                 : protocols::echo::makeEchoFactory();
    for (const Endpoint& at : config_.listen) {
      if (Error e = listenOn(at, factory)) return e;
    }
    std::fflush(stdout);
    return {};
  }

  std::vector<std::string> statsLines() const {
    std::vector<std::string> lines;
    for (const auto& l : listeners_) {
      const ListenerStats& s = l->stats();
      lines.push_back("stats " + l->localEndpoint().toString() +
                      ": accepted=" + std::to_string(s.accepted) +
                      " rejected_by_limit=" + std::to_string(s.rejectedByLimit) +
                      " rejected_no_descriptors=" + std::to_string(s.rejectedNoDescriptors) +
                      " accept_errors=" + std::to_string(s.acceptErrors) +
                      " idle_timeouts=" + std::to_string(s.idleTimeouts) +
                      " slow_consumers=" + std::to_string(s.slowConsumers) +
                      " close_timeouts=" + std::to_string(s.closeTimeouts));
    }
    return lines;
  }

  void logStats() const {
    for (const std::string& line : statsLines()) logLine(LogLevel::Info, line);
  }

 private:
  // TCP, and UDP on the same port. With port 0 the kernel picks a port free
  // for TCP, which another program may hold for UDP: then try another.
  Error listenOn(const Endpoint& at, const HandlerFactory& factory) {
    constexpr int kPortZeroTries = 32;
    for (int attempt = 0;; ++attempt) {
      auto listener = TcpListener::listen(loop_, at, factory, config_.listener);
      if (!listener) return listener.error();
      Endpoint bound = (*listener)->localEndpoint();
      std::unique_ptr<UdpSocket> udp;
      if (config_.udp) {
        auto socket = UdpSocket::bind(loop_, bound, udpEcho_);
        if (!socket) {
          if (at.port() == 0 && attempt + 1 < kPortZeroTries) continue;
          return socket.error();
        }
        udp = std::move(*socket);
      }
      announce("tcp", bound);
      if (udp) announce("udp", udp->localEndpoint());
      listeners_.push_back(std::move(*listener));
      if (udp) udp_.push_back(std::move(udp));
      return {};
    }
  }

  static void announce(const char* kind, const Endpoint& at) {
    std::printf("listening %s %s\n", kind, at.toString().c_str());
  }

  void onSignal(int signum) {
    if (signum == SIGUSR1) {
      for (const std::string& line : statsLines())
        std::cerr << "uvreactor-server: " << line << "\n";
      std::cerr.flush();
      return;
    }
    if (signum == SIGUSR2 || signum == SIGALRM) return;
    if (stopping_) {
      // The operator insists: no more waiting for slow peers.
      static const char kMsg[] = "uvreactor-server: second signal, exiting now\n";
      (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
      ::_exit(1);
    }
    stopping_ = true;
    logLine(LogLevel::Info, std::string("signal ") + strsignal(signum) + ": shutting down");
    udp_.clear();
    pendingListeners_ = listeners_.size();
    deadline_.emplace(loop_);
    deadline_->start(config_.shutdownTimeoutMs, 0, [this] {
      logLine(LogLevel::Warn, "shutdown timeout: resetting the remaining connections");
      finish();
    });
    for (auto& l : listeners_) {
      // --shutdown-timeout bounds each connection's flush, not the
      // (shorter) close timeout of an ordinary close.
      l->shutdown(
          [this] {
            if (--pendingListeners_ == 0) loop_.post([this] { finish(); });
          },
          config_.shutdownTimeoutMs + 1000);
    }
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    logStats();
    listeners_.clear();  // aborts whatever is left
    deadline_.reset();
    signals_.reset();
  }

  Loop& loop_;
  ServerConfig config_;
  protocols::chat::ChatRoomService chat_;
  protocols::echo::UdpEchoHandler udpEcho_;
  std::vector<std::unique_ptr<TcpListener>> listeners_;
  std::vector<std::unique_ptr<UdpSocket>> udp_;
  std::optional<SignalWatch> signals_;
  std::optional<Timer> deadline_;
  std::size_t pendingListeners_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  uvreactor::demo::reopenClosedStandardDescriptors();
  cxxopts::Options options("uvreactor-server",
                           "TCP+UDP echo and TCP chat server on one libuv loop.\n"
                           "Prints 'listening tcp HOST:PORT' / 'listening udp HOST:PORT' when "
                           "ready; SIGINT/SIGTERM stop it gracefully (exit 0).");
  ServerConfig config;
  try {
    config = parseArgs(argc, argv, options);
  } catch (const UsageError& e) {
    std::cerr << "uvreactor-server: " << e.message << "\n\n" << options.help() << std::endl;
    return 2;
  }
  if (config.listen.empty()) {
    std::cout << options.help() << std::endl;
    return 0;
  }
  setLogLevel(config.logLevel);
  ::signal(SIGPIPE, SIG_IGN);
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
