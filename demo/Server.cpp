#include "Server.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdio>

#include "BackplaneTls.hpp"
#include "chat/ChatHandler.hpp"
#include "console/ConsoleHandler.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor::demo {

Error Server::start() {
  // Before the first "listening" line: a supervisor may signal as soon as
  // it reads one, and the default action would kill us mid-start.
  // Every signal whose default action would end the process is handled:
  // the stop signals stop gracefully, SIGUSR1 prints the counts, SIGUSR2
  // reloads the TLS certificate and key, and SIGALRM is ignored.
  signals_.emplace(
      loop_,
      std::initializer_list<int>{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM},
      [this](int signum) { onSignal(signum); });
  chat_.setLimits(config_.rooms);
  if (config_.backplane) {
    protocols::backplane::BackplaneOptions options;
    options.prefix = config_.backplanePrefix;
    options.redis.user = config_.backplaneUser;
    options.redis.password = config_.backplanePassword;
    if (Error e = applyBackplaneTls(config_, options.redis)) return e;
    backplane_ = std::make_unique<protocols::backplane::RedisBackplane>(
        loop_, chat_, *config_.backplane, options);
  }
  if (config_.protocol == "irc" || !config_.ircListen.empty() || !config_.ircTlsListen.empty())
    irc_ = std::make_unique<protocols::irc::IrcFrontEnd>(loop_, chat_, config_.irc);
  if (config_.protocol == "console") console_ = std::make_unique<StdioConsole>(loop_);
  HandlerFactory factory =
      config_.protocol == "chat"  ? protocols::chat::makeChatFactory(chat_, config_.maxLine)
      : config_.protocol == "irc" ? irc_->factory()
      : console_ ? protocols::console::makeConsoleFactory(console_->service(), config_.maxLine)
                 : protocols::echo::makeEchoFactory();
  for (const Endpoint& at : config_.listen) {
    if (Error e = listenOn(at, factory, config_.udp, config_.listener)) return e;
  }
  if (Error e = startTls()) return e;
  for (const Endpoint& at : config_.tlsListen) {
    if (Error e = listenOn(at, factory, false, tlsListener_, "tls")) return e;
  }
  for (const Endpoint& at : config_.ircListen) {
    if (Error e = listenOn(at, irc_->factory(), false, config_.listener)) return e;
  }
  for (const Endpoint& at : config_.ircTlsListen) {
    if (Error e = listenOn(at, irc_->factory(), false, tlsListener_, "tls")) return e;
  }
  std::fflush(stdout);
  toSupervisor("ready");
  return {};
}

std::vector<std::string> Server::statsLines() const {
  std::vector<std::string> lines;
  for (const auto& l : listeners_) {
    const ListenerStats& s = l->stats();
    lines.push_back("stats " + l->localEndpoint().toString() +
                    ": accepted=" + std::to_string(s.accepted) +
                    " rejected_by_limit=" + std::to_string(s.rejectedByLimit) +
                    " rejected_by_address=" + std::to_string(s.rejectedByAddress) +
                    " rejected_no_descriptors=" + std::to_string(s.rejectedNoDescriptors) +
                    " accept_errors=" + std::to_string(s.acceptErrors) +
                    " idle_timeouts=" + std::to_string(s.idleTimeouts) +
                    " slow_consumers=" + std::to_string(s.slowConsumers) +
                    " close_timeouts=" + std::to_string(s.closeTimeouts) +
                    " tls_handshake_failures=" + std::to_string(s.tlsHandshakeFailures));
  }
  if (backplane_) {
    const auto& b = backplane_->stats();
    const auto& r = backplane_->linkStats();
    lines.push_back(
        "stats backplane " + backplane_->tag() + ": published=" + std::to_string(b.published) +
        " received=" + std::to_string(b.received) + " own_echoes=" + std::to_string(b.ownEchoes) +
        " garbage=" + std::to_string(b.garbage) + " unpublished=" + std::to_string(b.unpublished) +
        " lost_publishes=" + std::to_string(b.lostPublishes) + " servers_lost=" +
        std::to_string(b.serversLost) + " redis_connects=" + std::to_string(r.connects) +
        " redis_drops=" + std::to_string(r.drops) +
        " redis_rejected=" + std::to_string(r.rejected));
  }
  return lines;
}

// TCP, and UDP on the same port. With port 0 the kernel picks a port free
// for TCP, which another program may hold for UDP: then try another.
Error Server::listenOn(const Endpoint& at, const HandlerFactory& factory, bool udp,
                       const ListenerOptions& options, const char* kind) {
  constexpr int kPortZeroTries = 32;
  for (int attempt = 0;; ++attempt) {
    auto listener = TcpListener::listen(loop_, at, factory, options);
    if (!listener) return listener.error();
    Endpoint bound = (*listener)->localEndpoint();
    std::unique_ptr<UdpSocket> udpSocket;
    if (udp) {
      UdpOptions udpOptions;
      udpOptions.reusePort = config_.listener.reusePort;
      auto socket = UdpSocket::bind(loop_, bound, udpEcho_, udpOptions);
      if (!socket) {
        if (at.port() == 0 && attempt + 1 < kPortZeroTries) continue;
        return socket.error();
      }
      udpSocket = std::move(*socket);
    }
    announce(kind, bound);
    if (udpSocket) announce("udp", udpSocket->localEndpoint());
    listeners_.push_back(std::move(*listener));
    if (udpSocket) udp_.push_back(std::move(udpSocket));
    return {};
  }
}

Result<std::shared_ptr<TlsContext>> makeServerTls(const ServerConfig& config) {
  TlsServerOptions o;
  o.certificateChainFile = config.tlsCert;
  o.keyFile = config.tlsKey;
  o.clientCaFile = config.tlsCa;
  o.verifyClients = config.tlsVerifyClient;
  return TlsContext::server(o);
}

// The certificate and key load before anything listens on TLS, so a bad
// file is one error line (exit 1) naming it.
Error Server::startTls() {
  if (config_.tlsListen.empty() && config_.ircTlsListen.empty()) return {};
  auto ctx = makeServerTls(config_);
  if (!ctx) return ctx.error();
  tls_ = *ctx;
  tlsListener_ = config_.listener;
  tlsListener_.connection.tls = tls_;
  tlsListener_.connection.tlsHandshakeTimeoutMs = config_.tlsHandshakeTimeoutMs;
  return {};
}

// SIGUSR2: new handshakes get the files' current pair; open sessions keep
// theirs. A pair that does not load is logged and the old one kept.
void Server::reloadTls() {
  if (!tls_) return;
  if (Error e = tls_->reload(config_.tlsCert, config_.tlsKey)) {
    logLine(LogLevel::Error, "TLS reload failed, keeping the current certificate: " + e.message());
  } else {
    logLine(LogLevel::Info, "TLS certificate and key reloaded from " + config_.tlsCert);
  }
}

void Server::announce(const char* kind, const Endpoint& at) {
  if (config_.workerIndex == 0) std::printf("listening %s %s\n", kind, at.toString().c_str());
}

// A worker's lines to its supervisor; a supervisor that is gone is not an
// error (the worker dies with it anyway).
void Server::toSupervisor(const std::string& line) {
  if (config_.workerIndex == 0) return;
  std::string text = line + "\n";
  (void)!::write(kWorkerStatusFd, text.data(), text.size());
}

void Server::onSignal(int signum) {
  if (signum == SIGUSR1) {
    // One write per line: the workers share the supervisor's stderr, and
    // pieces written apart interleave with theirs.
    std::string who = config_.workerIndex == 0 ? std::string("uvreactor-server: ")
                                               : std::string("uvreactor-server worker ")
                                                     .append(std::to_string(config_.workerIndex))
                                                     .append(": ");
    for (const std::string& line : statsLines()) {
      std::string text = who + line + "\n";
      (void)!::write(STDERR_FILENO, text.data(), text.size());
    }
    return;
  }
  if (signum == SIGUSR2) return reloadTls();
  if (signum == SIGALRM) return;
  if (stopping_) {
    // The operator insists: no more waiting for slow peers.
    static const char kMsg[] = "uvreactor-server: second signal, exiting now\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(1);
  }
  stopping_ = true;
  if (console_) console_->service().setStopping();
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

void Server::finish() {
  if (finished_) return;
  finished_ = true;
  for (const std::string& line : statsLines()) {
    logLine(LogLevel::Info, line);
    toSupervisor(line);
  }
  listeners_.clear();  // aborts whatever is left; the members' departures are published
  if (!backplane_) return release();
  // Redis answers in order: once it confirms the withdrawal, every
  // departure before it was published. The deadline bounds the wait.
  deadline_.emplace(loop_);
  deadline_->start(1000, 0, [this] { release(); });
  backplane_->withdraw([this] { loop_.post([this] { release(); }); });
}

void Server::release() {
  irc_.reset();  // its ping timer would keep the loop running
  backplane_.reset();
  deadline_.reset();
  signals_.reset();
  console_.reset();  // its stdin reader would keep a file read in flight
}

}  // namespace uvreactor::demo
