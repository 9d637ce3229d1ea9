// TcpConnection's TLS glue: ciphertext from the socket into the session,
// plaintext from the session to the handler, the output queue sealed into
// records at flush time, the handshake's timeout and per-pass budget.
#include <memory>
#include <string>

#include "TcpConnection.hpp"
#include "TlsSession.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor::detail {
namespace {

// Handshake steps (each SSL_do_handshake call: a full one costs a signature
// and a key exchange, about 0.5 ms) per loop pass and millisecond, so a
// flood of handshakes cannot hold the loop from established connections.
// Connections past it wait for the next pass, their input kept.
constexpr unsigned kHandshakeStepsPerPass = 8;

bool takeHandshakeStep(uv_loop_t* loop) {
  struct Budget {
    uv_loop_t* loop = nullptr;
    uint64_t now = 0;
    unsigned left = 0;
  };
  thread_local Budget budget;
  uint64_t now = uv_now(loop);
  if (budget.loop != loop || budget.now != now) budget = {loop, now, kHandshakeStepsPerPass};
  if (budget.left == 0) return false;
  --budget.left;
  return true;
}

// Plaintext is decrypted here and handed to onData; one per thread, as the
// read slab is one per loop.
char* plainBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[Loop::kSlabSize]);
  return buffer.get();
}

}  // namespace

void TcpConnection::beginTls() {
  const TlsContext& context = *options_->tls;
  std::string name = options_->tlsServerName;
  if (name.empty() && !context.isServer()) name = peer_.host();
  auto session = TlsSession::create(context, name);
  if (!session) {
    logLine(LogLevel::Warn, session.error().message());
    abortWith(session.error());
    return;
  }
  tls_ = std::move(*session);
  close_.beginHandshake();
  if (options_->tlsHandshakeTimeoutMs != 0) armTimer(options_->tlsHandshakeTimeoutMs);
  updateReading();
  if (!context.isServer()) pumpTls();  // the ClientHello
}

void TcpConnection::onTlsRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread > 0) {
    touch();
    tls_->feed(buf->base, static_cast<std::size_t>(nread));
    pumpTls();
    if (!close_.closing()) countRead(static_cast<std::size_t>(nread));
    return;
  }
  if (nread == 0) {
    gate_.endBurst();
    return;
  }
  if (close_.is(State::Handshake)) {
    failHandshake(nread == UV_EOF ? "the peer closed the connection during the handshake"
                                  : std::string(uv_strerror(static_cast<int>(nread))));
    return;
  }
  if (nread == UV_EOF && close_.isOpen() && !tls_->peerClosed()) {
    // A FIN the peer did not announce with close_notify: whatever it sent
    // last may have been cut off by an attacker.
    abortWith(Error(UV_EPROTO, "read " + peer_.toString() +
                                   ": TLS connection truncated (FIN without close_notify)"));
    return;
  }
  onReadEnd(nread);
}

void TcpConnection::pumpTls() {
  if (close_.is(State::Handshake)) {
    if (!takeHandshakeStep(loop_.raw())) {
      tls_->keepInput();
      yieldReading();
      return;
    }
    TlsSession::Status status = tls_->handshake();
    if (!tls_->wire().empty()) loop_.flushList().add(*this);
    if (status == TlsSession::Status::Failed) {
      failHandshake(tls_->failure());
      return;
    }
    if (status != TlsSession::Status::Ok) {
      tls_->keepInput();
      return;
    }
    openTls();
  }
  deliverTls();
}

void TcpConnection::openTls() {
  close_.open();
  touch();
  if (options_->idleTimeoutMs > 0) {
    armTimer(options_->idleTimeoutMs);
  } else {
    stopTimer();
  }
  updateReading();
  guarded([&] { handler_->onOpen(*this); });
}

void TcpConnection::deliverTls() {
  char* plain = plainBuffer();
  // Open: to the handler while it reads. Closing gracefully: read and
  // dropped, to see the peer's close_notify.
  while (close_.graceful() || (close_.isOpen() && gate_.handlerReads() && !close_.eof())) {
    std::size_t got = 0;
    TlsSession::Status status = tls_->read(plain, Loop::kSlabSize, got);
    if (got > 0 && close_.isOpen()) {
      guarded([&] { handler_->onData(*this, std::string_view(plain, got)); });
    }
    if (status == TlsSession::Status::PeerClosed) {
      onReadEnd(UV_EOF);
      break;
    }
    if (status == TlsSession::Status::Failed) {
      abortWith(Error(UV_EPROTO, "TLS read " + peer_.toString() + ": " + tls_->failure()));
      return;
    }
    if (status == TlsSession::Status::WantInput) break;
  }
  if (close_.closing()) return;
  // Records OpenSSL wrote while reading (tickets, alerts, key updates).
  if (!tls_->wire().empty()) loop_.flushList().add(*this);
  tls_->keepInput();
}

void TcpConnection::sealTls() {
  if (!tls_->handshakeDone() || (queue_.empty() && !queue_.hasCallbacks())) return;
  if (tls_->seal(queue_) == TlsSession::Status::Failed) {
    abortWith(Error(UV_EPROTO, "TLS write " + peer_.toString() + ": " + tls_->failure()));
  }
}

void TcpConnection::failHandshake(const std::string& why) {
  Error error(UV_EPROTO, "TLS handshake with " + peer_.toString() + ": " + why);
  writeQueued(false);  // the alert, if OpenSSL wrote one
  if (close_.closing()) return;
  if (owner_ != nullptr) owner_->handshakeFailed(*this, error);
  abortWith(std::move(error));
}

OutputQueue& TcpConnection::tlsWire() {
  return tls_->wire();
}

std::size_t TcpConnection::tlsMemory() const {
  return tls_->memory();
}

std::size_t TcpConnection::tlsQueued() const {
  return tls_->wire().bytes();
}

TlsInfo TcpConnection::tls() const {
  return tls_ ? tls_->info() : TlsInfo{};
}

}  // namespace uvreactor::detail
