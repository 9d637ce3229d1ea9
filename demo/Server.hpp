// Server: everything one uvreactor-server process runs on its loop: the
// listeners (TCP, and UDP on the same port for echo), the chat rooms, the
// signal handling and the graceful shutdown.
//
// With --backplane its rooms span servers through Redis; at shutdown it
// takes its members and its presence out of Redis before it ends.
//
// Alone it prints "listening tcp|udp HOST:PORT" once bound. As worker K of a
// Supervisor it binds with SO_REUSEPORT the addresses the supervisor
// resolved, reports "ready" and, when it stops, its counts on the status
// descriptor (3) instead, and logs with its number. Destroyed before the Loop.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ServerConfig.hpp"
#include "StdioConsole.hpp"
#include "backplane/RedisBackplane.hpp"
#include "chat/ChatRoomService.hpp"
#include "echo/EchoHandler.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/TlsContext.hpp"
#include "uvreactor/UdpSocket.hpp"

namespace uvreactor::demo {

// A worker's channel to its supervisor.
constexpr int kWorkerStatusFd = 3;

// The TLS context of --tls-cert/--tls-key/--tls-ca, or the error naming the
// file that does not load.
Result<std::shared_ptr<TlsContext>> makeServerTls(const ServerConfig& config);

class Server {
 public:
  Server(Loop& loop, ServerConfig config) : loop_(loop), config_(std::move(config)) {}
  Error start();
  std::vector<std::string> statsLines() const;

 private:
  Error listenOn(const Endpoint& at, const HandlerFactory& factory, bool udp,
                 const ListenerOptions& options, const char* kind = "tcp");
  Error startTls();
  void reloadTls();
  void announce(const char* kind, const Endpoint& at);
  void onSignal(int signum);
  void finish();
  void release();
  void toSupervisor(const std::string& line);

  Loop& loop_;
  ServerConfig config_;
  protocols::chat::ChatRoomService chat_;
  // After the rooms, before the listeners: members leaving at teardown
  // still reach it, and it detaches from the rooms before they go.
  std::unique_ptr<protocols::backplane::RedisBackplane> backplane_;
  // IRC clients in the same rooms (--protocol irc, --irc-listen); before the
  // listeners, whose sessions unregister from it.
  std::unique_ptr<protocols::irc::IrcFrontEnd> irc_;
  protocols::echo::UdpEchoHandler udpEcho_;
  // The operator console (--protocol console); before the listeners, whose
  // handlers use it.
  std::unique_ptr<StdioConsole> console_;
  // --tls-listen, --irc-tls-listen: one context for all TLS listeners,
  // reloaded on SIGUSR2.
  std::shared_ptr<TlsContext> tls_;
  ListenerOptions tlsListener_;
  std::vector<std::unique_ptr<TcpListener>> listeners_;
  std::vector<std::unique_ptr<UdpSocket>> udp_;
  std::optional<SignalWatch> signals_;
  std::optional<Timer> deadline_;
  std::size_t pendingListeners_ = 0;
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace uvreactor::demo
