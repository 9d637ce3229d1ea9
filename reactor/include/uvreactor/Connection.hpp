// Connection: what a protocol handler sees of one TCP connection.
//
// The handler never owns its connection: the listener (or connector) does,
// and the connection outlives every callback it makes. Any method may be
// called from inside a handler callback, including close() and abort(); the
// work is scheduled and the handler is told once, through onClose.
//
// Output: send() queues and returns; the connection is written once per
// loop iteration, with everything sent to it in that iteration gathered into
// one writev (after the iteration's I/O callbacks, and again before the loop
// waits, so nothing is held across a wait). Bytes a handler echoes from its
// own onData are written before onData's read callback returns, with no
// copy. Short sends are copied into the connection's blocks; a Payload over
// 128 bytes is queued by reference, shared with every other recipient.
// Output held past the high-water mark is written at once rather than held.
// Sends after close()/abort() are dropped. queuedBytes() is what has not yet
// reached the kernel; the water marks and the slow-consumer cap compare the
// memory the output holds (blocks, records and bytes libuv holds) against
// ConnectionOptions, so they bound memory whatever the message size. There
// is no opt-out and no flush(): since a send is never held past the current
// iteration, writing it earlier would only cost another syscall.
//
// Loop-thread only. FakeConnection (uvreactor/testing) implements it without
// sockets for unit tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/Payload.hpp"
#include "uvreactor/TlsInfo.hpp"

namespace uvreactor {

// Called once per send that asked for it: with an empty Error when the bytes
// reached the kernel, or with UV_ECANCELED when the connection closed first.
// Always before the connection's onClose.
using WriteCallback = std::function<void(const Error&)>;

class Connection {
 public:
  virtual ~Connection() = default;

  virtual void send(std::string_view bytes) = 0;
  virtual void send(const Payload& payload) = 0;
  virtual void send(const Payload& payload, WriteCallback done) = 0;

  // Graceful: stop delivering input, flush queued output, send FIN, close.
  virtual void close() = 0;
  // Immediate: drop queued output (reported cancelled) and reset the peer.
  virtual void abort() = 0;
  // Half-close: FIN after the queued output; input is still delivered.
  virtual void shutdownWrite() = 0;

  // Flow control a handler may apply on top of the automatic water marks.
  virtual void pauseReading() = 0;
  virtual void resumeReading() = 0;

  // Bytes sent but not yet handed to the kernel.
  virtual std::size_t queuedBytes() const = 0;
  // True until close(), abort() or an error: sends are accepted.
  virtual bool isOpen() const = 0;
  virtual const Endpoint& peer() const = 0;
  virtual uint64_t id() const = 0;
  // The TLS session's negotiated parameters; active == false for a
  // plaintext connection (and FakeConnection).
  virtual TlsInfo tls() const { return {}; }
};

}  // namespace uvreactor
