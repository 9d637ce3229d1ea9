#include "echo/EchoHandler.hpp"

#include "uvreactor/Log.hpp"

namespace uvreactor::protocols::echo {

HandlerFactory makeEchoFactory() {
  return [](Connection&) { return std::make_unique<EchoHandler>(); };
}

void UdpEchoHandler::onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) {
  if (Error e = socket.send(from, bytes)) {
    ++sendErrors_;
    logLine(LogLevel::Info, e.message());
  }
}

void UdpEchoHandler::onTruncated(UdpSocket&, const Endpoint& from, std::string_view bytes) {
  logLine(LogLevel::Info, "udp datagram from " + from.toString() + " truncated at " +
                              std::to_string(bytes.size()) + " bytes; not echoed");
}

}  // namespace uvreactor::protocols::echo
