// ConnectionOptions: the bounds every TCP connection lives within.
//
// Each bound has a default chosen for a small server on a LAN and a
// command-line flag in the demo server. Values are copied into the listener or
// connector; connections share one copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace uvreactor {

class TlsContext;  // uvreactor/TlsContext.hpp

struct ConnectionOptions {
  // Above highWaterMark bytes of memory held for output (payload, blocks at
  // their capacity, bookkeeping) the connection stops reading (a peer that
  // sends but never reads cannot grow our memory); at or below lowWaterMark
  // it reads again. The handler is told of both crossings.
  std::size_t highWaterMark = 1024 * 1024;
  std::size_t lowWaterMark = 256 * 1024;
  // Hard cap on the memory held for output, checked after each attempt to
  // write it (output held for this iteration's gathered write never counts
  // against a reader the kernel would take it from). Output produced for a
  // peer by others (a chat room) is not slowed by pausing that peer's reads,
  // so past this cap the connection is aborted as a slow consumer.
  std::size_t maxQueuedBytes = 8 * 1024 * 1024;
  // Close a connection with no activity for this long; 0 = never. Activity is
  // bytes read, or output making progress (a peer reading slowly is not idle).
  uint64_t idleTimeoutMs = 0;
  // A graceful close flushes queued output, sends FIN and waits for the peer's
  // FIN (so unread input does not turn into a reset that destroys our last
  // reply); past this deadline it aborts instead.
  uint64_t closeTimeoutMs = 5000;
  // Bytes one connection may read in one pass of the loop before it yields
  // to the others until the next pass; 0 = no limit. libuv alone keeps
  // reading a flooding peer for up to 32 buffers (2 MiB) per wake-up, and a
  // chat line fans out to a whole room: one peer sending tiny lines as fast
  // as it can would hold the loop for that long. The default is one full
  // read buffer (Redis reads once per client per event for the same reason);
  // a yield costs two epoll_ctl calls per 64 KiB, and only to a connection
  // whose peer has more waiting.
  std::size_t readBudgetBytes = 64 * 1024;
  bool noDelay = true;
  // TLS: set, every connection is a TLS session made from this context (a
  // server context for a listener, a client one for a connector). The
  // handler sees onOpen once the handshake is done and plaintext in onData;
  // a connection whose handshake fails is closed, counted by its listener
  // (or fails its connector), and its handler is destroyed unopened, with
  // no callback.
  std::shared_ptr<TlsContext> tls;
  // A handshake not done this long after the TCP connection is closed; 0 =
  // no limit. It counts against the connection limits meanwhile.
  uint64_t tlsHandshakeTimeoutMs = 10000;
  // Handshake time per loop pass, shared by every TLS connection of the
  // loop: once a pass has spent this much in handshake steps (a full one is
  // a signature and a key exchange, about 0.5 ms on a 2-core VM), further
  // steps wait for the next pass, so a flood of handshakes cannot starve
  // established connections. One step always runs per pass.
  uint32_t tlsHandshakeMicrosPerPass = 1000;
  // Connector: the name sent as SNI and checked against the server's
  // certificate; empty: the address connected to (checked as an IP).
  std::string tlsServerName;
};

}  // namespace uvreactor
