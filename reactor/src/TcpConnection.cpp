#include "TcpConnection.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <exception>
#include <string>

#include "CloseAndDelete.hpp"
#include "UvBuffer.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor::detail {
namespace {
// Chunks per uv_write; libuv copies the buffer list, so it lives on our stack.
constexpr std::size_t kMaxBatch = 64;

TcpConnection* self(uv_handle_t* h) {
  return static_cast<TcpConnection*>(h->data);
}
}  // namespace

struct TcpConnection::TimerBox {
  uv_timer_t timer;
  TcpConnection* connection;
};

TcpConnection::TcpConnection(Loop& loop, ConnectionOwner* owner, const ConnectionOptions& options,
                             uint64_t id)
    : loop_(loop), owner_(owner), options_(options), id_(id) {
  uv_tcp_init(loop.raw(), &tcp_);
  tcp_.data = this;
}

TcpConnection::~TcpConnection() = default;

TcpConnection::Requests& TcpConnection::requests() {
  if (!requests_) {
    requests_ = std::make_unique<Requests>();
    requests_->write.data = this;
    requests_->shutdown.data = this;
  }
  return *requests_;
}

void TcpConnection::start(std::unique_ptr<ConnectionHandler> handler) {
  sockaddr_storage address;
  int length = sizeof address;
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    peer_ = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&address));
  }
  if (options_.noDelay) uv_tcp_nodelay(&tcp_, 1);
  handler_ = std::move(handler);
  state_ = State::Open;
  touch();
  if (options_.idleTimeoutMs > 0) armTimer(options_.idleTimeoutMs);
  updateReading();
  guarded([&] { handler_->onOpen(*this); });
}

template <class F>
void TcpConnection::guarded(F&& call) {
  // A handler's exception must not unwind through libuv's C frames.
  try {
    call();
  } catch (const std::exception& e) {
    abortWith(Error(UV_ECANCELED, "handler for " + peer_.toString() + " threw: " + e.what()));
  } catch (...) {
    abortWith(Error(UV_ECANCELED, "handler for " + peer_.toString() + " threw"));
  }
}

void TcpConnection::discard() {
  if (state_ == State::Closing) return;
  state_ = State::Closing;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), [](uv_handle_t* h) { self(h)->onClosed(); });
}

// ---- output -----------------------------------------------------------------

int TcpConnection::tryWrite(std::string_view bytes) {
  // Only with nothing queued, so that writing now keeps the order; a whole
  // write also saves the copy into the queue.
  if (!pending_.empty() || !inflight_.empty()) return UV_EAGAIN;
  uv_buf_t buf = uvBuffer(bytes.data(), bytes.size());
  int n = uv_try_write(stream(), &buf, 1);
  if (n > 0) touch();
  return n;
}

// Out of line: what the kernel did not take at once, or a write error.
bool TcpConnection::failedWrite(int tried) {
  if (tried >= 0 || tried == UV_EAGAIN) return false;
  abortWith(Error::fromUv(tried, "write", peer_.toString()));
  return true;
}

void TcpConnection::queueRest(std::string_view bytes, int tried) {
  if (failedWrite(tried)) return;
  enqueue(Payload::copyOf(bytes.substr(tried > 0 ? static_cast<std::size_t>(tried) : 0)), 0,
          nullptr);
}

void TcpConnection::queueRest(Payload payload, int tried) {
  if (failedWrite(tried)) return;
  enqueue(std::move(payload), tried > 0 ? static_cast<std::size_t>(tried) : 0, nullptr);
}

void TcpConnection::send(std::string_view bytes) {
  if (state_ != State::Open || writeShutdownRequested_ || bytes.empty()) return;
  int n = tryWrite(bytes);
  if (n != static_cast<int>(bytes.size())) queueRest(bytes, n);
}

void TcpConnection::send(Payload payload) {
  if (state_ != State::Open || writeShutdownRequested_ || payload.empty()) return;
  int n = tryWrite(std::string_view(payload.data(), payload.size()));
  if (n != static_cast<int>(payload.size())) queueRest(std::move(payload), n);
}

void TcpConnection::send(Payload payload, WriteCallback done) {
  if (state_ != State::Open || writeShutdownRequested_) {
    if (done) done(Error(UV_ECANCELED, "write " + peer_.toString() + ": connection closing"));
    return;
  }
  // A completion is always reported from the write callback, never from
  // inside send(), so the caller is not re-entered.
  enqueue(std::move(payload), 0, std::move(done));
}

void TcpConnection::enqueue(Payload payload, std::size_t offset, WriteCallback done) {
  queued_ += payload.size() - offset;
  pending_.push_back(Chunk{std::move(payload), offset, std::move(done)});
  startWrite();
  afterOutputChange();
}

void TcpConnection::startWrite() {
  if (!inflight_.empty() || pending_.empty() || state_ == State::Closing) return;
  std::size_t n = std::min(pending_.size(), kMaxBatch);
  uv_buf_t bufs[kMaxBatch];
  for (std::size_t i = 0; i < n; ++i) {
    Chunk& c = pending_[i];
    bufs[i] = uvBuffer(c.payload.data() + c.offset, c.payload.size() - c.offset);
    inflight_.push_back(std::move(c));
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  int rc = uv_write(&requests().write, stream(), bufs, static_cast<unsigned>(n),
                    [](uv_write_t* req, int status) {
                      static_cast<TcpConnection*>(req->data)->onWriteDone(status);
                    });
  if (rc != 0) abortWith(Error::fromUv(rc, "write", peer_.toString()));
}

void TcpConnection::onWriteDone(int status) {
  std::size_t bytes = 0;
  for (const Chunk& c : inflight_) bytes += c.payload.size() - c.offset;
  queued_ -= bytes;
  if (status == 0) touch();
  Error result = status == 0 ? Error() : Error::fromUv(status, "write", peer_.toString());
  // inflight_ stays non-empty while callbacks run, so a send() from one of
  // them queues behind the rest instead of overtaking it.
  for (Chunk& c : inflight_) {
    if (c.done) guarded([&] { c.done(result); });
  }
  inflight_.clear();
  if (status < 0) {
    if (status != UV_ECANCELED) abortWith(std::move(result));
    return;
  }
  startWrite();
  afterOutputChange();
  if (queued_ != 0 || state_ == State::Closing) return;
  if (state_ == State::Draining || (state_ == State::Open && writeShutdownRequested_)) {
    beginShutdown();
  }
}

void TcpConnection::afterOutputChange() {
  if (state_ == State::Closing) return;
  if (queued_ > options_.maxQueuedBytes) {
    std::string why = "slow consumer " + peer_.toString() + ": over " +
                      std::to_string(options_.maxQueuedBytes) + " bytes of output queued";
    logLine(LogLevel::Info, why);
    cutoff_ = Cutoff::SlowConsumer;
    abortWith(Error(UV_ENOBUFS, std::move(why)));
    return;
  }
  if (!aboveHigh_ && queued_ > options_.highWaterMark) {
    aboveHigh_ = true;
    updateReading();
    if (state_ == State::Open) guarded([&] { handler_->onHighWater(*this); });
  } else if (aboveHigh_ && queued_ <= options_.lowWaterMark) {
    aboveHigh_ = false;
    updateReading();
    if (state_ == State::Open) guarded([&] { handler_->onLowWater(*this); });
  }
}

// ---- input ------------------------------------------------------------------

void TcpConnection::pauseReading() {
  userPaused_ = true;
  updateReading();
}

void TcpConnection::resumeReading() {
  userPaused_ = false;
  updateReading();
}

void TcpConnection::updateReading() {
  // While closing, input is read and dropped: unread input at close() time
  // makes the kernel send a reset, which can destroy our last reply.
  bool want = state_ != State::Idle && state_ != State::Closing && !eofReceived_ &&
              (state_ != State::Open || (!userPaused_ && !aboveHigh_));
  if (want == reading_) return;
  reading_ = want;
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
  if (nread > 0) {
    touch();
    if (state_ == State::Open) {
      guarded([&] { handler_->onData(*this, std::string_view(buf->base, nread)); });
    }
    return;
  }
  if (nread < 0) onReadEnd(nread);
}

void TcpConnection::onReadEnd(ssize_t nread) {
  if (nread != UV_EOF) {
    abortWith(Error::fromUv(static_cast<int>(nread), "read", peer_.toString()));
    return;
  }
  eofReceived_ = true;
  updateReading();
  if (state_ == State::Open) {
    guarded([&] { handler_->onEof(*this); });
  } else if (state_ == State::ShuttingDown && shutdownDone_) {
    finalClose();
  }
}

// ---- closing ----------------------------------------------------------------

void TcpConnection::closeWith(Error reason) {
  if (state_ == State::Idle) {
    discard();
    return;
  }
  if (state_ != State::Open) return;
  if (!reason_ && reason) reason_ = std::move(reason);
  state_ = State::Draining;
  armTimer(options_.closeTimeoutMs);
  updateReading();
  if (queued_ == 0) beginShutdown();
}

void TcpConnection::shutdownWrite() {
  if (state_ != State::Open || writeShutdownRequested_) return;
  writeShutdownRequested_ = true;
  if (queued_ == 0) beginShutdown();
}

void TcpConnection::beginShutdown() {
  if (state_ == State::Draining) state_ = State::ShuttingDown;
  if (shutdownIssued_) {
    if (state_ == State::ShuttingDown && shutdownDone_ && eofReceived_) finalClose();
    return;
  }
  shutdownIssued_ = true;
  int rc = uv_shutdown(&requests().shutdown, stream(), [](uv_shutdown_t* req, int status) {
    auto* c = static_cast<TcpConnection*>(req->data);
    c->shutdownDone_ = true;
    if (c->state_ == State::Closing) return;
    if (status < 0) {
      c->abortWith(Error::fromUv(status, "shutdown", c->peer_.toString()));
    } else if (c->state_ == State::ShuttingDown && c->eofReceived_) {
      c->finalClose();
    }
  });
  if (rc != 0) abortWith(Error::fromUv(rc, "shutdown", peer_.toString()));
}

void TcpConnection::stopTimer() {
  if (timer_ == nullptr) return;
  timer_->connection = nullptr;
  closeAndDelete(timer_, reinterpret_cast<uv_handle_t*>(&timer_->timer));
  timer_ = nullptr;
}

void TcpConnection::finalClose() {
  if (state_ == State::Closing) return;
  state_ = State::Closing;
  stopTimer();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), [](uv_handle_t* h) { self(h)->onClosed(); });
}

void TcpConnection::abortWith(Error reason) {
  if (state_ == State::Closing) return;
  if (!reason_ && reason) reason_ = std::move(reason);
  if (state_ == State::Idle) {
    discard();
    return;
  }
  state_ = State::Closing;
  stopTimer();
  auto onClose = [](uv_handle_t* h) { self(h)->onClosed(); };
  // A reset tells the peer at once that its data was not all taken; libuv
  // refuses it while a shutdown is under way, and a plain close serves then.
  if (uv_tcp_close_reset(&tcp_, onClose) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), onClose);
  }
}

void TcpConnection::onClosed() {
  Error cancelled(UV_ECANCELED, "write " + peer_.toString() + ": connection closed");
  for (auto* list : {&inflight_, &pending_}) {
    for (Chunk& c : *list) {
      if (c.done) {
        try {
          c.done(cancelled);
        } catch (...) {
        }
      }
    }
    list->clear();
  }
  queued_ = 0;
  if (handler_) {
    try {
      handler_->onClose(*this, reason_);
    } catch (const std::exception& e) {
      logLine(LogLevel::Error, "onClose handler for " + peer_.toString() + " threw: " + e.what());
    }
    handler_.reset();
  }
  if (owner_ != nullptr) {
    owner_->connectionClosed(*this);  // deletes this
  } else {
    delete this;
  }
}

// ---- timers -----------------------------------------------------------------

void TcpConnection::armTimer(uint64_t ms) {
  if (timer_ == nullptr) {
    timer_ = new TimerBox{{}, this};
    uv_timer_init(loop_.raw(), &timer_->timer);
    timer_->timer.data = timer_;
  }
  uv_timer_start(
      &timer_->timer,
      [](uv_timer_t* t) {
        auto* box = static_cast<TimerBox*>(t->data);
        if (box->connection != nullptr) box->connection->onTimer();
      },
      ms, 0);
}

void TcpConnection::onTimer() {
  if (state_ == State::Draining || state_ == State::ShuttingDown) {
    logLine(LogLevel::Info, "close " + peer_.toString() + ": peer did not finish within " +
                                std::to_string(options_.closeTimeoutMs) + " ms; resetting");
    if (cutoff_ == Cutoff::None) cutoff_ = Cutoff::CloseTimeout;
    abortWith(Error(UV_ETIMEDOUT, "close " + peer_.toString() + ": timed out"));
    return;
  }
  if (state_ != State::Open || options_.idleTimeoutMs == 0) return;
  // A peer draining a large reply slowly is active, though no write
  // completes: libuv's queue only moves when a third of the kernel's send
  // buffer frees up, so the kernel's own unsent count is sampled too (one
  // ioctl per timer expiry, never per packet).
  std::size_t unsent = uv_stream_get_write_queue_size(stream());
  uv_os_fd_t fd;
  int kernelUnsent = 0;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0 &&
      ::ioctl(fd, SIOCOUTQ, &kernelUnsent) == 0) {
    unsent += static_cast<std::size_t>(kernelUnsent);
  }
  if (unsent != lastUnsent_) {
    lastUnsent_ = unsent;
    touch();
  }
  uint64_t idle = loop_.nowMs() - lastActivityMs_;
  if (idle < options_.idleTimeoutMs) {
    armTimer(options_.idleTimeoutMs - idle);
    return;
  }
  std::string why = "idle timeout " + peer_.toString() + ": no activity for " +
                    std::to_string(options_.idleTimeoutMs) + " ms";
  logLine(LogLevel::Info, why);
  cutoff_ = Cutoff::IdleTimeout;
  if (queued_ > 0) {
    abortWith(Error(UV_ETIMEDOUT, std::move(why)));
  } else {
    closeWith(Error(UV_ETIMEDOUT, std::move(why)));
  }
}

}  // namespace uvreactor::detail
