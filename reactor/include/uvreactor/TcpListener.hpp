// TcpListener: a listening TCP socket that accepts connections and gives each
// one a handler from its factory.
//
// The listener owns its connections. Destroying it stops accepting and aborts
// the connections still open (their handlers see onClose); shutdown() is the
// graceful way. Limits: maxConnections (excess peers are accepted, sent
// `rejectMessage` if any, and closed at once, never left in the backlog) and
// the per-connection bounds in ConnectionOptions. Running out of descriptors
// (EMFILE) is survived by libuv's reserve-descriptor trick: the pending peer
// is accepted and closed, no busy loop, and accepting resumes by itself.
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
  std::string rejectMessage;           // sent to a peer turned away by the limit
  ConnectionOptions connection;
};

// Counts of what the listener turned away or cut off; every one is also
// logged at Info (Warn for accept errors) with the peer's address.
struct ListenerStats {
  uint64_t accepted = 0;
  uint64_t rejectedByLimit = 0;
  uint64_t acceptErrors = 0;   // accept failures libuv reports (see EMFILE above)
  uint64_t idleTimeouts = 0;   // closed after ConnectionOptions::idleTimeoutMs of no activity
  uint64_t slowConsumers = 0;  // reset for queuing more than maxQueuedBytes of output
  uint64_t closeTimeouts = 0;  // reset when a graceful close outlived closeTimeoutMs
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
  std::size_t connectionCount() const;
  const ListenerStats& stats() const;

  // Stop accepting; open connections carry on.
  void stopAccepting();
  // Stop accepting and close every connection gracefully; `done` runs once
  // the last one is gone (the close deadline of each bounds the wait).
  void shutdown(std::function<void()> done);
  // Calls `visit` for each open connection (a broadcast, an admin command).
  void forEachConnection(const std::function<void(Connection&)>& visit);

 private:
  struct Impl;
  explicit TcpListener(Impl* impl) : impl_(impl) {}
  Impl* impl_;
};

}  // namespace uvreactor
