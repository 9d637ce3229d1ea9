// SocketClient / UdpClient: plain blocking POSIX sockets for tests, kept
// independent of the reactor so a test never checks the library with itself.
// Every wait has a timeout; a timeout is a test failure, never a hang.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "uvreactor/Endpoint.hpp"

namespace uvreactor::test {

using namespace std::chrono_literals;

// 127.0.0.1 with a TCP port that nothing listens on: bound, noted, closed
// (another process could take it meanwhile; tests use it at once).
Endpoint unusedLoopbackPort();

// Raises this process's open-file limit toward `wanted` (bounded by the hard
// limit); returns the soft limit now in force.
std::size_t raiseFdLimit(std::size_t wanted);

// Names parameterised tests "IPv4"/"IPv6" from their listen address.
struct FamilyName {
  template <class Info>
  std::string operator()(const Info& param) const {
    return std::string(param.param).find('[') == std::string::npos ? "IPv4" : "IPv6";
  }
};

class SocketClient {
 public:
  SocketClient() = default;
  // receiveBuffer > 0 shrinks SO_RCVBUF before connecting (after the
  // handshake, shrinking it makes the kernel drop data and stall for seconds).
  explicit SocketClient(const Endpoint& to, int receiveBuffer = 0) { connect(to, receiveBuffer); }
  ~SocketClient();
  SocketClient(SocketClient&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  SocketClient& operator=(SocketClient&& other) noexcept;

  bool connect(const Endpoint& to, int receiveBuffer = 0);
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool sendAll(std::string_view bytes);
  // Exactly n bytes, or what came before EOF/timeout.
  std::string recvExact(std::size_t n, std::chrono::milliseconds timeout = 5000ms);
  // One line without its LF; nullopt on EOF/timeout.
  std::optional<std::string> recvLine(std::chrono::milliseconds timeout = 5000ms);
  // Everything until the peer's EOF; nullopt if it does not come in time.
  std::optional<std::string> recvUntilEof(std::chrono::milliseconds timeout = 5000ms);
  // True if the peer closed (EOF or reset) within the timeout.
  bool waitClosed(std::chrono::milliseconds timeout = 5000ms);
  void shutdownWrite();
  // Close with SO_LINGER 0: the peer sees a reset.
  void reset();
  void close();

 private:
  int fd_ = -1;
  std::string buffered_;
};

class UdpClient {
 public:
  explicit UdpClient(int family);
  ~UdpClient();
  bool sendTo(const Endpoint& to, std::string_view bytes);
  std::optional<std::string> recv(std::chrono::milliseconds timeout = 2000ms);

 private:
  int fd_ = -1;
};

}  // namespace uvreactor::test
