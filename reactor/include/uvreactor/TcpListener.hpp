// TcpListener: a listening TCP socket that accepts connections and gives each
// one a handler from its factory.
//
// The listener owns its connections. Destroying it stops accepting and resets
// the connections still open; every handler hears onClose and is destroyed
// before the destructor returns (after its current callback, if the listener
// is destroyed from inside one), so what the handlers use may be destroyed
// right after the listener. shutdown() is the graceful way. Limits: maxConnections counts admitted
// connections only; excess peers are accepted, sent `rejectMessage` if any and closed within
// rejectLingerMs, never left in the backlog and never holding a slot (a
// flood of connects that never close cannot lock legitimate clients out).
// The per-connection bounds are in ConnectionOptions. Descriptors: a peer
// accepted into one of the last `descriptorReserve` descriptors the process
// may open (RLIMIT_NOFILE) is closed at once, counted and logged, so the
// process keeps descriptors for everything else. Should the table fill up
// anyway (something else used the reserve), libuv's reserve-descriptor
// trick accepts and closes pending peers without a busy loop; those it does
// not report, which is why the listener stops short of that point.
// Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor {

struct ListenerOptions {
  // Connections the kernel completes before we accept them; it clamps this
  // to net.core.somaxconn (4096 on current kernels). A short backlog drops
  // SYNs during a burst of connects, and a client whose SYNs keep being
  // dropped gives up after about two minutes.
  int backlog = 4096;
  std::size_t maxConnections = 10000;  // 0: no limit
  // Admitted connections from one peer network, so one host cannot take
  // every slot; 0: no limit. Peers over it are turned away like those over
  // maxConnections. A network is an IPv4 address cut to perAddressPrefixV4
  // bits, or an IPv6 one cut to perAddressPrefixV6 (anyone with a home line
  // holds a whole /64); an IPv4-mapped IPv6 peer counts as IPv4.
  std::size_t maxPerAddress = 0;
  unsigned perAddressPrefixV4 = 32;
  unsigned perAddressPrefixV6 = 64;
  std::string rejectMessage;  // sent to a peer turned away by the limit (not over TLS)
  // How long a turned-away peer may take to read the message and close;
  // then it is reset. At most maxRejecting of them linger at once; past
  // that, excess peers are reset at once, with no message.
  uint64_t rejectLingerMs = 1000;
  std::size_t maxRejecting = 1024;
  // Descriptors kept free for the rest of the process (files, DNS, the
  // application's own sockets); 0 turns the check off.
  std::size_t descriptorReserve = 32;
  // SO_REUSEPORT: several listeners (one per process or loop) bind the same
  // address and the kernel spreads connections among them. Only sockets of
  // the same effective user can join. UV_ENOTSUP where the system cannot
  // spread them (see PlatformFeatures.hpp: FreeBSD uses SO_REUSEPORT_LB).
  bool reusePort = false;
  ConnectionOptions connection;
};

// Counts of what the listener turned away or cut off; each is also logged
// at Info (Warn for accept errors) with the peer's address, at most 10 lines
// of a kind per 10 s (LogRateLimit), the rest counted in the log.
struct ListenerStats {
  uint64_t accepted = 0;
  uint64_t rejectedByLimit = 0;
  uint64_t rejectedByAddress = 0;      // over maxPerAddress
  uint64_t rejectedNoDescriptors = 0;  // closed to keep descriptorReserve descriptors free
  uint64_t acceptErrors = 0;           // accept failures libuv reports (see above)
  uint64_t idleTimeouts = 0;   // closed after ConnectionOptions::idleTimeoutMs of no activity
  uint64_t slowConsumers = 0;  // reset for queuing more than maxQueuedBytes of output
  uint64_t closeTimeouts = 0;  // reset when a graceful close outlived closeTimeoutMs
  // TLS handshakes that failed or timed out (plaintext or garbage on a TLS
  // port, a refused version, a missing or bad client certificate).
  uint64_t tlsHandshakeFailures = 0;
};

class TcpListener {
 public:
  static Result<std::unique_ptr<TcpListener>> listen(Loop& loop, const Endpoint& at,
                                                     HandlerFactory factory,
                                                     ListenerOptions options = {});
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // The bound address, with the real port when 0 was asked for.
  const Endpoint& localEndpoint() const;
  // Connections not yet closed, turned-away peers still lingering included.
  std::size_t connectionCount() const;
  // Connections admitted by the limit and not yet closed.
  std::size_t admittedCount() const;
  const ListenerStats& stats() const;

  // Stop accepting; open connections carry on.
  void stopAccepting();
  // Stop accepting and close every connection gracefully; `done` runs once
  // the last one is gone (at once if none is open). Each close is bounded by
  // `closeTimeoutMs` (0: the connection's own ConnectionOptions::closeTimeoutMs),
  // then reset. `done` may destroy the listener; what it throws is logged,
  // never thrown out of shutdown() or the loop.
  void shutdown(std::function<void()> done, uint64_t closeTimeoutMs = 0);
  // Calls `visit` for each open connection (a broadcast, an admin command).
  void forEachConnection(const std::function<void(Connection&)>& visit);

 private:
  struct Impl;
  explicit TcpListener(Impl* impl) : impl_(impl) {}
  Impl* impl_;
};

}  // namespace uvreactor
