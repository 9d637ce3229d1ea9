// TcpConnection's TLS glue: ciphertext from the socket into the session,
// plaintext from the session to the handler, the output queue sealed into
// records at flush time, the handshake's timeout and per-pass budget.
#include <algorithm>
#include <memory>
#include <new>
#include <string>

#include "TcpConnection.hpp"
#include "TlsSession.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor::detail {
namespace {

// The handshake time a loop pass has spent (ConnectionOptions::
// tlsHandshakeMicrosPerPass). A pass is known by its loop time, which libuv
// renews before and after each poll for events; steps past the budget wait,
// their input kept, for the next pass.
struct HandshakeBudget {
  uv_loop_t* loop = nullptr;
  uint64_t now = 0;
  uint64_t spentNs = 0;

  static HandshakeBudget& of(uv_loop_t* loop) {
    thread_local HandshakeBudget budget;
    uint64_t now = uv_now(loop);
    if (budget.loop != loop || budget.now != now) budget = {loop, now, 0};
    return budget;
  }
};

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
    try {
      tls_->feed(buf->base, static_cast<std::size_t>(nread));
    } catch (const std::bad_alloc&) {
      abortWith(outOfMemory());
      return;
    }
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

// No exception may reach libuv: a record or kept input that finds no
// memory ends this connection only.
void TcpConnection::pumpTls() {
  try {
    stepTls();
  } catch (const std::bad_alloc&) {
    abortWith(outOfMemory());
  }
}

Error TcpConnection::outOfMemory() const {
  return Error(UV_ENOMEM, "TLS " + peer_.toString() + ": out of memory");
}

void TcpConnection::stepTls() {
  if (close_.is(State::Handshake)) {
    HandshakeBudget& budget = HandshakeBudget::of(loop_.raw());
    if (budget.spentNs != 0 && budget.spentNs >= options_->tlsHandshakeMicrosPerPass * 1000ull) {
      tls_->keepInput();
      yieldReading();
      return;
    }
    uint64_t start = uv_hrtime();
    TlsSession::Status status = tls_->handshake();
    budget.spentNs += std::max<uint64_t>(uv_hrtime() - start, 1);
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
    // What came with the peer's last flight (its first data) is delivered
    // now, then reading follows the handler: no stop and restart between.
    deliverTls();
    if (!close_.closing()) updateReading();
    return;
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
      closeAfterAlert(writeAlert(),
                      Error(UV_EPROTO, "TLS read " + peer_.toString() + ": " + tls_->failure()));
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
  TlsSession::Status status = TlsSession::Status::Failed;
  try {
    status = tls_->seal(queue_);
  } catch (const std::bad_alloc&) {
    abortWith(outOfMemory());
    return;
  }
  if (status == TlsSession::Status::Failed) {
    abortWith(Error(UV_EPROTO, "TLS write " + peer_.toString() + ": " + tls_->failure()));
  }
}

void TcpConnection::failHandshake(const std::string& why) {
  if (!close_.is(State::Handshake)) return;  // the owner hears of it once
  Error error(UV_EPROTO, "TLS handshake with " + peer_.toString() + ": " + why);
  // The alert OpenSSL wrote goes out first, whatever the socket says; then
  // the owner is told, always (a connector may close us then); then we close.
  bool alertSent = writeAlert();
  if (owner_ != nullptr) owner_->handshakeFailed(*this, error);
  closeAfterAlert(alertSent, std::move(error));
}

bool TcpConnection::writeAlert() {
  OutputQueue& out = tls_->wire();
  if (out.empty()) return true;
  // Nothing may overtake an earlier write libuv still holds.
  if (libuvUnwritten() != 0) return false;
  uv_buf_t bufs[16];
  unsigned n = out.gather(bufs, 16);
  int written = uv_try_write(stream(), bufs, n);
  if (written > 0) out.consume(static_cast<std::size_t>(written));
  return out.empty();
}

void TcpConnection::closeAfterAlert(bool alertSent, Error reason) {
  if (close_.closing()) return;
  if (!alertSent) {
    abortWith(std::move(reason));
    return;
  }
  // A plain close, not a reset: a reset may discard the alert in flight,
  // and the peer would see "connection reset" instead of the reason.
  noteReason(std::move(reason));
  finalClose();
}

OutputQueue& TcpConnection::tlsWire() {
  return tls_->wire();
}

std::size_t TcpConnection::tlsMemory() const {
  return tls_->wireMemory();
}

std::size_t TcpConnection::tlsQueued() const {
  return tls_->wire().bytes();
}

TlsInfo TcpConnection::tls() const {
  return tls_ ? tls_->info() : TlsInfo{};
}

}  // namespace uvreactor::detail
