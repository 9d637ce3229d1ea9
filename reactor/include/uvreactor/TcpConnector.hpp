// TcpConnector: an outgoing TCP connection, handed to a handler exactly like
// an accepted one, so a client is written like a server.
//
// Each attempt has a timeout; failed attempts are retried with capped
// exponential backoff and full jitter, up to maxAttempts (0: forever). The
// connector owns the connection it made: destroying the connector, even
// mid-connect or mid-backoff, aborts it cleanly, and its handler hears
// onClose and is destroyed before the destructor returns. The factory and
// the failure callback may throw: that attempt fails, and the exception is
// logged, never propagated into the loop. Loop-thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor {

struct ConnectorOptions {
  uint64_t connectTimeoutMs = 5000;
  unsigned maxAttempts = 1;
  uint64_t initialBackoffMs = 100;
  uint64_t maxBackoffMs = 5000;
  ConnectionOptions connection;
};

class TcpConnector {
 public:
  // `failed` runs once if every attempt failed, with the last attempt's error.
  // It may destroy the connector.
  TcpConnector(Loop& loop, Endpoint to, HandlerFactory factory, ConnectorOptions options = {},
               std::function<void(const Error&)> failed = nullptr);
  ~TcpConnector();
  TcpConnector(const TcpConnector&) = delete;
  TcpConnector& operator=(const TcpConnector&) = delete;

  void start();
  unsigned attempts() const;
  bool connected() const;

  // Delay before retry `attempt` (1-based): uniform in [0, min(max, initial*2^(attempt-1))].
  // Pure, so the schedule is unit-tested without sockets; `random01` is in [0, 1).
  static uint64_t backoffDelayMs(const ConnectorOptions& options, unsigned attempt,
                                 double random01);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace uvreactor
