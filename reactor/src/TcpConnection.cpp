#include "TcpConnection.hpp"

#include <algorithm>
#include <exception>
#include <string>

#include "ExceptionBarrier.hpp"
#include "Platform.hpp"
#include "ReclaimedHandles.hpp"
#include "TlsSession.hpp"
#include "UvBuffer.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::detail {
namespace {
TcpConnection* self(uv_handle_t* h) {
  return static_cast<TcpConnection*>(h->data);
}
}  // namespace

TcpConnection::TcpConnection(Loop& loop, ConnectionOwner* owner, const ConnectionOptions& options,
                             uint64_t id)
    : options_(&options), loop_(loop), owner_(owner), id_(id) {
  uv_tcp_init(loop.raw(), &tcp_);
  tcp_.data = this;
}

TcpConnection::~TcpConnection() = default;

void TcpConnection::start(std::unique_ptr<ConnectionHandler> handler) {
  sockaddr_storage address;
  int length = sizeof address;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    peer_ = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&address));
  }
  if (options_->noDelay) uv_tcp_nodelay(&tcp_, 1);
  handler_ = std::move(handler);
  if (options_->tls) [[unlikely]] {
    beginTls();
    return;
  }
  close_.open();
  touch();
  if (options_->idleTimeoutMs > 0) armTimer(options_->idleTimeoutMs);
  updateReading();
  guarded([&] { handler_->onOpen(*this); });
}

void TcpConnection::discard() {
  if (!close_.finish()) return;
  stopTimer();  // a TLS connection's handshake timer
  closeHandle(false);
}

// Last in every caller: a handle that Loop::close() already reclaimed gets
// no close callback, so onClosed() (which may delete this) runs here.
void TcpConnection::closeHandle(bool reset) {
  auto* handle = reinterpret_cast<uv_handle_t*>(&tcp_);
  if (uv_is_closing(handle)) {
    if (takeReclaimed(handle)) onClosed();
    return;
  }
  auto onClose = [](uv_handle_t* h) { self(h)->onClosed(); };
  // A reset tells the peer at once that its data was not all taken; libuv
  // refuses it while a shutdown is under way, and a plain close serves then.
  if (!reset || uv_tcp_close_reset(&tcp_, onClose) != 0) uv_close(handle, onClose);
}

// ---- input ------------------------------------------------------------------

void TcpConnection::pauseReading() {
  gate_.pause();
  updateReading();
}

void TcpConnection::resumeReading() {
  gate_.resume();
  updateReading();
}

void TcpConnection::updateReading() {
  bool want = gate_.wanted(close_.reads(), close_.isOpen());
  if (want && tls_ && tls_->hasInput()) [[unlikely]] {
    // Kept TLS input is read first, at the next flush point, where
    // endReadYield() starts the socket again.
    gate_.yield();
    loop_.flushList().add(*this);
    want = false;
  }
  if (!gate_.setReading(want)) return;
  if (want) {
    uv_read_start(
        stream(),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          *buf = uvBuffer(self(h)->loop_.readSlab(), Loop::kSlabSize);
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
          self(reinterpret_cast<uv_handle_t*>(s))->onRead(nread, buf);
        });
  } else {
    uv_read_stop(stream());
  }
}

void TcpConnection::onRead(ssize_t nread, const uv_buf_t* buf) {
  if (tls_) [[unlikely]] {
    onTlsRead(nread, buf);
    return;
  }
  if (nread > 0) {
    touch();
    if (close_.isOpen()) {
      inRead_ = true;
      guarded([&] { handler_->onData(*this, std::string_view(buf->base, nread)); });
      inRead_ = false;
      if (echoData_ != nullptr || !queue_.empty()) afterRead();
    }
    countRead(static_cast<std::size_t>(nread));
    return;
  }
  if (nread < 0) {
    onReadEnd(nread);
  } else {
    gate_.endBurst();
  }
}

void TcpConnection::yieldReading() {
  if (close_.closing()) return;
  gate_.yield();
  updateReading();
  loop_.flushList().add(*this);
}

void TcpConnection::endReadYield() {
  gate_.endYield();
  if (tls_) [[unlikely]]
    pumpTls();
  updateReading();
}

// Output sent during this connection's own read. If it borrowed the slab
// (an echo), it is written now, as one write, before the slab is reused;
// anything the kernel does not take is copied. Otherwise it waits for the
// loop's flush point with everything else this iteration sends here.
void TcpConnection::afterRead() {
  if (echoData_ != nullptr) {
    // The echo case: one view of the read, nothing else queued. Written
    // here as before coalescing, with no queue at all when the kernel
    // takes it whole.
    std::string_view view(echoData_, echoSize_);
    echoData_ = nullptr;
    echoSize_ = 0;
    if (close_.closing()) return;
    if (libuvUnwritten() == 0) {
      uv_buf_t buf = uvBuffer(view.data(), view.size());
      int written = uv_try_write(stream(), &buf, 1);
      if (written > 0) {
        touch();
        view.remove_prefix(static_cast<std::size_t>(written));
      } else if (written != UV_EAGAIN) {
        abortWith(Error::fromUv(written, "write", peer_.toString()));
        return;
      }
      if (view.empty()) return;
    }
    queue_.appendBorrowed(view);
  }
  if (!queue_.hasBorrowed()) {
    loop_.flushList().add(*this);
    return;
  }
  loop_.flushList().remove(*this);
  writeQueued(true);
  queue_.ownBorrowed();
}

void TcpConnection::onReadEnd(ssize_t nread) {
  if (nread != UV_EOF) {
    abortWith(Error::fromUv(static_cast<int>(nread), "read", peer_.toString()));
    return;
  }
  close_.eofReceived();
  updateReading();
  if (close_.isOpen()) {
    guarded([&] { handler_->onEof(*this); });
  } else if (close_.bothClosed()) {
    finalClose();
  }
}

// ---- closing ----------------------------------------------------------------

void TcpConnection::closeWith(Error reason) {
  spillEcho();
  if (close_.is(State::Idle)) {
    discard();
    return;
  }
  if (close_.is(State::Handshake)) {  // nothing was said yet: nothing to finish
    abortWith(std::move(reason));
    return;
  }
  if (!close_.isOpen()) return;
  noteReason(std::move(reason));
  close_.beginDrain();
  armTimer(options_->closeTimeoutMs);
  updateReading();
  if (queue_.empty()) {
    beginShutdown();
  } else {
    loop_.flushList().add(*this);
  }
}

void TcpConnection::closeWithin(uint64_t timeoutMs) {
  closeWith({});
  if (timeoutMs != 0 && close_.graceful()) {
    armTimer(timeoutMs);
  }
}

void TcpConnection::shutdownWrite() {
  spillEcho();
  if (!close_.requestWriteShutdown()) return;
  if (queue_.empty()) {
    beginShutdown();
  } else {
    loop_.flushList().add(*this);
  }
}

void TcpConnection::beginShutdown() {
  if (tls_ && !tls_->closeNotifySent()) [[unlikely]] {
    // close_notify goes out after the records before it, then the FIN:
    // writeQueued() comes back here once the wire is empty.
    tls_->closeNotify();
    if (!tls_->wire().empty()) {
      writeQueued(false);
      return;
    }
  }
  if (tls_ && close_.eof() && close_.is(State::Draining) && libuvUnwritten() == 0) [[unlikely]] {
    // The peer's close_notify came and ours is written: the FIN of the
    // close says the rest (a shutdown would only wait for an EOF we have).
    finalClose();
    return;
  }
  if (!close_.issueShutdown()) {
    if (close_.bothClosed()) finalClose();
    return;
  }
  auto& request = cold().shutdownRequest;
  request = std::make_unique<uv_shutdown_t>();
  request->data = this;
  int rc = uv_shutdown(request.get(), stream(), [](uv_shutdown_t* req, int status) {
    auto* c = static_cast<TcpConnection*>(req->data);
    c->close_.shutdownCompleted();
    if (c->close_.closing()) return;
    if (status < 0) {
      c->abortWith(Error::fromUv(status, "shutdown", c->peer_.toString()));
    } else if (c->close_.bothClosed()) {
      c->finalClose();
    }
  });
  if (rc != 0) abortWith(Error::fromUv(rc, "shutdown", peer_.toString()));
}

void TcpConnection::stopTimer() {
  if (cold_) cold_->timer.stop();
}

void TcpConnection::finalClose() {
  if (!close_.finish()) return;
  stopTimer();
  closeHandle(false);
}

void TcpConnection::abortWith(Error reason) {
  if (close_.closing()) return;
  noteReason(std::move(reason));
  if (close_.is(State::Idle)) {
    discard();
    return;
  }
  close_.finish();
  stopTimer();
  closeHandle(true);
}

void TcpConnection::orphan(Error reason) {
  owner_ = nullptr;
  if (!close_.closing()) noteReason(std::move(reason));
  if (flushSlot_ != FlushList::kNotListed) loop_.flushList().remove(*this);
  if (!dispatch_.inCallback()) {
    endHandler();
  } else {
    dispatch_.deferEnd();
  }
  abortWith({});  // last: may delete this
}

void TcpConnection::endHandler() {
  dispatch_.endDone();
  echoData_ = nullptr;
  echoSize_ = 0;
  // libuv has cancelled (and called back) every uv_write by the time the
  // close callback calls this; an orphaned connection's writes are
  // reported cancelled here, before its handler hears onClose.
  std::vector<WriteCallback> cancelledCallbacks;
  if (tls_) tls_->wire().clear(cancelledCallbacks);  // older than the queue's
  queue_.clear(cancelledCallbacks);
  Error cancelled(UV_ECANCELED, "write " + peer_.toString() + ": connection closed");
  for (auto& done : cancelledCallbacks) {
    try {
      done(cancelled);
    } catch (...) {
      barrierLog().log(LogLevel::Error, handlerThrew(std::current_exception()).message());
    }
  }
  if (!handler_) return;
  auto handler = std::move(handler_);
  if (tls_ && !tls_->handshakeDone()) return;  // never opened: no onClose either
  try {
    handler->onClose(*this, reason());
  } catch (...) {
    barrierLog().log(LogLevel::Error, handlerThrew(std::current_exception()).message());
  }
}

TcpConnection::Cold& TcpConnection::makeCold() {
  cold_ = std::make_unique<Cold>();
  return *cold_;
}

const Error& TcpConnection::reason() const {
  static const Error none;
  return cold_ ? cold_->reason : none;
}

Error TcpConnection::handlerThrew(std::exception_ptr thrown) {
  return Error(UV_ECANCELED, describeThrow("handler for " + peer_.toString(), thrown));
}

void TcpConnection::onClosed() {
  // An embedding application may have destroyed the Loop before this close
  // callback runs; its FlushList unlisted every connection then.
  if (flushSlot_ != FlushList::kNotListed) loop_.flushList().remove(*this);
  endHandler();
  if (owner_ != nullptr) {
    owner_->connectionClosed(*this);  // deletes this
  } else {
    delete this;
  }
}

// ---- timers -----------------------------------------------------------------

void TcpConnection::armTimer(uint64_t ms) {
  cold().timer.arm(
      loop_.flushList().deadlines(), ms, [](void* c) { static_cast<TcpConnection*>(c)->onTimer(); },
      this);
}

void TcpConnection::onTimer() {
  if (close_.is(State::Handshake)) {
    failHandshake("not done within " + std::to_string(options_->tlsHandshakeTimeoutMs) + " ms");
    return;
  }
  if (close_.graceful()) {
    static LogRateLimit closeTimeoutLog;  // peers can cause it: rate-limited
    closeTimeoutLog.log(LogLevel::Info,
                        "close " + peer_.toString() + ": peer did not finish in time; resetting");
    if (close_.cutoff() == Cutoff::None) close_.cutOff(Cutoff::CloseTimeout);
    abortWith(Error(UV_ETIMEDOUT, "close " + peer_.toString() + ": timed out"));
    return;
  }
  if (!close_.isOpen() || options_->idleTimeoutMs == 0) return;
  // A peer draining a large reply slowly is active, though no write
  // completes: libuv's queue only moves when a third of the kernel's send
  // buffer frees up, so the kernel's own unsent count is sampled too (one
  // ioctl per timer expiry, never per packet). Progress is bytes the peer
  // took; more output queued meanwhile is not activity.
  int64_t delivered = static_cast<int64_t>(wireHanded()) - static_cast<int64_t>(libuvUnwritten());
  uv_os_fd_t fd;
  int kernelUnsent = 0;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0 &&
      kernelUnsentBytes(fd, kernelUnsent)) {
    delivered -= kernelUnsent;
  }
  // Echoed bytes bypass the queue's count: new ones lower the figure (they
  // came with a read, which was activity already); their delivery raises it.
  if (uint64_t left = cold().idle.remaining(delivered, loop_.nowMs(), options_->idleTimeoutMs)) {
    armTimer(left);
    return;
  }
  std::string why = "idle timeout " + peer_.toString() + ": no activity for " +
                    std::to_string(options_->idleTimeoutMs) + " ms";
  static LogRateLimit idleLog;  // peers can cause it: rate-limited
  idleLog.log(LogLevel::Info, why);
  close_.cutOff(Cutoff::IdleTimeout);
  if (!queue_.empty() || (tls_ && !tlsWire().empty()) || libuvUnwritten() > 0) {
    abortWith(Error(UV_ETIMEDOUT, std::move(why)));
  } else {
    closeWith(Error(UV_ETIMEDOUT, std::move(why)));
  }
}

}  // namespace uvreactor::detail
