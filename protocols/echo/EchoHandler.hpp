// Echo protocol: every byte received is sent back, over TCP and UDP.
//
// The TCP handler goes through the ordinary Connection path (try-write, then
// the queue and water marks), so it measures the library, not a shortcut. A
// peer's half-close is answered after the echo is flushed (the default onEof).
#pragma once

#include <cstdint>
#include <memory>

#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/UdpSocket.hpp"

namespace uvreactor::protocols::echo {

class EchoHandler final : public ConnectionHandler {
 public:
  void onData(Connection& connection, std::string_view bytes) override { connection.send(bytes); }
};

HandlerFactory makeEchoFactory();

class UdpEchoHandler final : public DatagramHandler {
 public:
  void onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) override;
  // A truncated datagram is not echoed: echoing part of it would be a lie.
  void onTruncated(UdpSocket& socket, const Endpoint& from, std::string_view bytes) override;
  uint64_t sendErrors() const { return sendErrors_; }

 private:
  uint64_t sendErrors_ = 0;
};

}  // namespace uvreactor::protocols::echo
