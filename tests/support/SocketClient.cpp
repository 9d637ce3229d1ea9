#include "support/SocketClient.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace uvreactor::test {
namespace {

socklen_t lengthOf(const Endpoint& e) {
  return e.isV6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

// Waits for the fd to be readable; false on timeout.
bool waitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

}  // namespace

Endpoint unusedLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t length = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length);
  ::close(fd);
  return Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&a));
}

std::size_t raiseFdLimit(std::size_t wanted) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < wanted) {
    r.rlim_cur = std::min<rlim_t>(wanted, r.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
  }
  return r.rlim_cur;
}

SocketClient::~SocketClient() {
  close();
}

SocketClient& SocketClient::operator=(SocketClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
    buffered_ = std::move(other.buffered_);
  }
  return *this;
}

bool SocketClient::connect(const Endpoint& to, int receiveBuffer) {
  close();
  fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (receiveBuffer > 0) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  }
  if (::connect(fd_, to.sockaddrPtr(), lengthOf(to)) != 0) {
    close();
    return false;
  }
  return true;
}

bool SocketClient::sendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string SocketClient::recvExact(std::size_t n, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  std::size_t fromBuffer = std::min(n, buffered_.size());
  out.append(buffered_, 0, fromBuffer);
  buffered_.erase(0, fromBuffer);
  char chunk[65536];
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(fd_, left)) break;
    ssize_t got = ::recv(fd_, chunk, std::min(sizeof chunk, n - out.size()), 0);
    if (got <= 0) break;
    out.append(chunk, static_cast<std::size_t>(got));
  }
  return out;
}

std::optional<std::string> SocketClient::recvLine(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  for (;;) {
    auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(fd_, left)) return std::nullopt;
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return std::nullopt;
    buffered_.append(chunk, static_cast<std::size_t>(got));
  }
}

std::optional<std::string> SocketClient::recvUntilEof(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = std::move(buffered_);
  buffered_.clear();
  char chunk[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(fd_, left)) return std::nullopt;
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got == 0) return out;
    if (got < 0) return std::nullopt;
    out.append(chunk, static_cast<std::size_t>(got));
  }
}

bool SocketClient::waitClosed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(fd_, left)) return false;
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return true;
  }
}

void SocketClient::shutdownWrite() {
  ::shutdown(fd_, SHUT_WR);
}

void SocketClient::reset() {
  if (fd_ < 0) return;
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

void SocketClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

UdpClient::UdpClient(int family) {
  fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

UdpClient::~UdpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool UdpClient::sendTo(const Endpoint& to, std::string_view bytes) {
  return ::sendto(fd_, bytes.data(), bytes.size(), 0, to.sockaddrPtr(), lengthOf(to)) ==
         static_cast<ssize_t>(bytes.size());
}

std::optional<std::string> UdpClient::recv(std::chrono::milliseconds timeout) {
  if (!waitReadable(fd_, timeout)) return std::nullopt;
  char buf[65536];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace uvreactor::test
