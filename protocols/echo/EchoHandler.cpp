#include "echo/EchoHandler.hpp"

#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::protocols::echo {

HandlerFactory makeEchoFactory() {
  return [](Connection&) { return std::make_unique<EchoHandler>(); };
}

void UdpEchoHandler::onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) {
  if (Error e = socket.send(from, bytes)) {
    ++sendErrors_;
    static LogRateLimit sendErrorLog;  // any sender can cause it: rate-limited
    sendErrorLog.log(LogLevel::Info, e.message());
  }
}

void UdpEchoHandler::onTruncated(UdpSocket&, const Endpoint& from, std::string_view bytes) {
  static LogRateLimit truncatedLog;  // any sender can cause it: rate-limited
  truncatedLog.log(LogLevel::Info, "udp datagram from " + from.toString() + " truncated at " +
                                       std::to_string(bytes.size()) + " bytes; not echoed");
}

}  // namespace uvreactor::protocols::echo
