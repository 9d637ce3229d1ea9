// UdpSocket: a bound UDP socket whose datagrams go to a DatagramHandler.
//
// The handler gets each datagram with its sender and replies through the
// socket. A datagram larger than maxDatagramSize is reported as truncated,
// never passed on as if whole. send() writes at once when it can; otherwise
// it copies into a bounded queue, and past maxQueuedBytes datagrams are
// dropped and counted (UDP may lose them anyway; memory must not grow).
// The queue counts what each datagram really holds: its bytes plus the
// send request and bookkeeping (about 400 bytes), so a flood of empty
// datagrams fills it too.
// The port is bound exclusively: no SO_REUSEADDR, so no other socket, of
// this or another user, can bind it and receive its datagrams. The socket
// owns its handle; destroying it is safe at any time, including from inside
// the handler. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor {

class UdpSocket;

class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  // `bytes` is valid only during the call.
  virtual void onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) = 0;
  // The datagram was larger than the receive limit; `bytes` is its first part.
  virtual void onTruncated(UdpSocket&, const Endpoint& /*from*/, std::string_view /*bytes*/) {}
  virtual void onError(UdpSocket&, const Error&) {}
};

struct UdpOptions {
  std::size_t maxDatagramSize = 65536;
  std::size_t maxQueuedBytes = 4 * 1024 * 1024;
  // SO_REUSEPORT, as ListenerOptions::reusePort: without it the port is
  // bound exclusively (no other socket can take its datagrams).
  bool reusePort = false;
};

struct UdpStats {
  uint64_t received = 0;
  uint64_t truncated = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;  // send queue full
};

class UdpSocket {
 public:
  // `handler` must outlive the socket (or be destroyed only after it).
  static Result<std::unique_ptr<UdpSocket>> bind(Loop& loop, const Endpoint& at,
                                                 DatagramHandler& handler, UdpOptions options = {});
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // An Error names the destination: EMSGSIZE for a datagram too large to
  // send, ENOBUFS when the queue is full.
  Error send(const Endpoint& to, std::string_view bytes);
  const Endpoint& localEndpoint() const;
  const UdpStats& stats() const;
  // Memory the send queue holds, as counted against maxQueuedBytes.
  std::size_t queuedBytes() const;

 private:
  struct Impl;
  explicit UdpSocket(Impl* impl) : impl_(impl) {}
  Impl* impl_;
};

}  // namespace uvreactor
