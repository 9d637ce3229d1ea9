#include "support/TlsConnectionHarness.hpp"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "support/ConnectionHarness.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor::test {

using namespace std::chrono_literals;

namespace {
SSL* sslOf(void* p) {
  return static_cast<SSL*>(p);
}
}  // namespace

void TlsLoopbackHarness::open(const ConnectionOptions& options, HandlerFactory factory) {
  const TestCertificates& certs = TestCertificates::shared();
  TlsServerOptions tls;
  tls.certificateChainFile = certs.serverCert;
  tls.keyFile = certs.serverKey;
  ListenerOptions listenerOptions;
  listenerOptions.connection = options;
  listenerOptions.connection.tls = *TlsContext::server(tls);
  listener_ = loop_.call([&] {
    return std::move(*TcpListener::listen(
        loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
        [this, factory](Connection& c) -> std::unique_ptr<ConnectionHandler> {
          return std::make_unique<TrackingHandler>(connection_, factory(c));
        },
        listenerOptions));
  });
  // A small receive buffer, as for plaintext: a peer that stops reading
  // stops the flow soon.
  SocketClient socket(listener_->localEndpoint(), 4096);
  fd_ = ::dup(socket.fd());
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  ctx_ = ctx;
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd_);
  SSL_set_connect_state(ssl);
  ssl_ = ssl;
  peer_ = std::thread([this] { runPeer(); });
  for (int i = 0; i < 500 && !handshook_; ++i) std::this_thread::sleep_for(10ms);
  settle();
}

void TlsLoopbackHarness::post(std::function<void()> command) {
  std::lock_guard<std::mutex> lock(mutex_);
  commands_.push_back(std::move(command));
}

void TlsLoopbackHarness::runPeer() {
  SSL* ssl = sslOf(ssl_);
  char buffer[65536];
  bool ended = false;  // the server's side ended: nothing more to read
  while (!stop_) {
    std::deque<std::function<void()>> now;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      now.swap(commands_);
    }
    for (auto& command : now) command();
    if (fd_ < 0) break;  // reset
    if (!handshook_) {
      if (SSL_do_handshake(ssl) == 1) handshook_ = true;
    }
    while (handshook_ && !out_.empty()) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl, out_.data(), out_.size(), &n) != 1) break;
      out_.erase(0, n);
    }
    if (handshook_ && out_.empty() && eofAfterOut_) {
      eofAfterOut_ = false;
      SSL_shutdown(ssl);  // close_notify, then the FIN after it
      ::shutdown(fd_, SHUT_WR);
    }
    while (handshook_ && peerReading_ && !ended) {
      std::size_t n = 0;
      if (SSL_read_ex(ssl, buffer, sizeof buffer, &n) != 1) {
        int e = SSL_get_error(ssl, 0);
        ended = e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE;  // close_notify, FIN
        break;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      received_.append(buffer, n);
    }
    pollfd p{fd_,
             static_cast<short>(((peerReading_ && !ended) || !handshook_ ? POLLIN : 0) |
                                (out_.empty() ? 0 : POLLOUT)),
             0};
    ::poll(&p, 1, 10);
  }
}

void TlsLoopbackHarness::send(std::string_view bytes) {
  post([this, copy = std::string(bytes)] { out_ += copy; });
  settle();
}

void TlsLoopbackHarness::sendEof() {
  post([this] { eofAfterOut_ = true; });
  settle();
}

void TlsLoopbackHarness::reset() {
  post([this] {
    linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    ::close(fd_);
    fd_ = -1;
  });
  settle();
}

void TlsLoopbackHarness::setReading(bool reading) {
  post([this, reading] { peerReading_ = reading; });
}

std::string TlsLoopbackHarness::received() {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void TlsLoopbackHarness::act(const std::function<void(Connection&)>& action) {
  loop_.call([&] {
    if (connection_ != nullptr && connection_->isOpen()) action(*connection_);
  });
}

void TlsLoopbackHarness::elapse(uint64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void TlsLoopbackHarness::settle() {
  std::this_thread::sleep_for(100ms);
  loop_.call([] {});
}

Error TlsLoopbackHarness::close() {
  if (closed_) return {};
  closed_ = true;
  stop_ = true;
  if (peer_.joinable()) peer_.join();
  SSL_free(sslOf(ssl_));
  SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
  loop_.call([&] { listener_.reset(); });
  return loop_.shutdown();
}

}  // namespace uvreactor::test
