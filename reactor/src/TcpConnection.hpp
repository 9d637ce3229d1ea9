// Internal: the libuv implementation of Connection.
//
// Its state is held by named pieces, each pure and unit-tested: the
// CloseSequence (lifecycle, EOF, half close), the ReadGate (whether the
// socket is read), the IdleWatch (activity), the HandlerDispatch (handler
// callbacks on the stack); and one ConnectionTimer for whichever deadline
// the state has. This class does the I/O their answers call for.
//
// Memory: an idle connection holds the uv_tcp_t, its peer and a few words;
// the output queue and the state only some connections need (the close
// reason, the idle watch and timer, the shutdown request, the uv_writes
// waiting for a full kernel buffer) are made on first need.
//
// Owns its uv_tcp_t and its handler. Its owner (a TcpListener or TcpConnector)
// holds it by unique_ptr and is told from the uv_close callback, where it
// deletes it; an owner that goes away first detaches, and the connection then
// deletes itself in that callback. Nothing here is freed while a libuv
// callback of this connection is on the stack.
#pragma once

#include <uv.h>

#include <exception>
#include <memory>

#include "CloseSequence.hpp"
#include "ConnectionTimer.hpp"
#include "FlushList.hpp"
#include "HandlerDispatch.hpp"
#include "IdleWatch.hpp"
#include "LazyOutputQueue.hpp"
#include "ReadGate.hpp"
#include "uvreactor/Connection.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor::detail {

class TcpConnection;
class TlsSession;

class ConnectionOwner {
 public:
  // From the uv_close callback; the owner may delete `connection` now.
  virtual void connectionClosed(TcpConnection& connection) = 0;
  // A TLS handshake failed or timed out; `connection` closes right after
  // (its handler was never opened). The owner counts, logs or retries.
  virtual void handshakeFailed(TcpConnection&, const Error&) {}

 protected:
  ~ConnectionOwner() = default;
};

class TcpConnection final : public Connection {
 public:
  using Cutoff = CloseSequence::Cutoff;

  TcpConnection(Loop& loop, ConnectionOwner* owner, const ConnectionOptions& options, uint64_t id);
  ~TcpConnection() override;

  uv_tcp_t* tcp() { return &tcp_; }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  // After accept or connect: learns the peer, starts reading, calls onOpen.
  void start(std::unique_ptr<ConnectionHandler> handler);
  // Before start(): different bounds (a peer the listener turns away).
  void useOptions(const ConnectionOptions& options) { options_ = &options; }
  // Its index in the owner's ConnectionSet.
  uint32_t setSlot() const { return setSlot_; }
  void setSetSlot(uint32_t slot) { setSlot_ = slot; }
  // The owner is going away: from now on this deletes itself when closed.
  void detachOwner() { owner_ = nullptr; }
  // The owner is being destroyed: the connection is reset and detached, and
  // its handler's life ends now (cancelled write callbacks, onClose,
  // destruction), or, if one of the handler's callbacks is on the stack,
  // as soon as that returns. Only the uv_tcp_t's memory waits for libuv's
  // close callback, and nothing the owner frees is touched after this.
  void orphan(Error reason);
  // Closes a connection that never started (no handler is told).
  void discard();
  void abortWith(Error reason);
  void closeWith(Error reason);
  // A graceful close bounded by `timeoutMs` instead of the options' (0: theirs).
  void closeWithin(uint64_t timeoutMs);

  void send(std::string_view bytes) override;
  void send(const Payload& payload) override;
  void send(const Payload& payload, WriteCallback done) override;
  void close() override { closeWith({}); }
  void abort() override { abortWith({}); }
  void shutdownWrite() override;
  void pauseReading() override;
  void resumeReading() override;
  std::size_t queuedBytes() const override {
    return echoSize_ + queue_.bytes() + libuvUnwritten() + (tls_ ? tlsQueued() : 0);
  }
  TlsInfo tls() const override;
  bool isOpen() const override { return close_.isOpen(); }
  const Endpoint& peer() const override { return peer_; }
  uint64_t id() const override { return id_; }
  Cutoff cutoff() const { return close_.cutoff(); }

  // From the loop's FlushList: read again if this connection yielded, and
  // write what this iteration queued.
  void flushOutput() {
    if (gate_.yielded()) [[unlikely]]
      endReadYield();
    writeQueued(true);
  }

 private:
  friend class FlushList;
  // Handshake: TLS, accepted or connected but not yet open to the handler.
  using State = CloseSequence::State;
  struct WriteRequest;
  // What most connections never need while idle, made on first need.
  struct Cold {
    Error reason;  // why it closed, for onClose
    IdleWatch idle;
    ConnectionTimer timer;
    std::unique_ptr<uv_shutdown_t> shutdownRequest;
    // uv_writes not yet reported, oldest first (they complete in order).
    WriteRequest* oldestWrite = nullptr;
    WriteRequest* newestWrite = nullptr;
  };
  Cold& cold() {
    if (!cold_) [[unlikely]]
      return makeCold();
    return *cold_;
  }
  [[gnu::noinline]] Cold& makeCold();
  WriteRequest* oldestWrite() const { return cold_ ? cold_->oldestWrite : nullptr; }
  const Error& reason() const;
  void noteReason(Error reason) {
    if (reason && !hasReason()) cold().reason = std::move(reason);
  }
  bool hasReason() const { return cold_ && cold_->reason; }

  // Output. A send only queues (see OutputQueue) and lists the connection
  // for the loop's next flush point; the flush gathers the whole queue into
  // one uv_try_write, and hands what the kernel did not take to one
  // uv_write, whose completion lists the connection again.
  std::size_t libuvUnwritten() const {
    return tcp_.write_queue_size;  // uv_tcp_t starts with the uv_stream_t fields
  }
  // Memory held for output: the queue's, and the bytes libuv still holds.
  // Nothing queued counts as nothing held, whatever capacity the queue keeps
  // for the next send: a low-water mark of 0 means "all written".
  // A TLS connection adds its records not yet written (not its kept input).
  std::size_t outputMemory() const {
    std::size_t unwritten = libuvUnwritten() + (tls_ ? tlsMemory() : 0);
    return queue_.empty() && unwritten == 0 ? 0 : queue_.memory() + unwritten;
  }
  void afterSend() {
    if (queue_.memory() > options_->highWaterMark) [[unlikely]] {
      overflow();
    } else if (!inRead_) {
      loop_.flushList().add(*this);
    }
  }
  [[gnu::noinline]] void overflow();
  // The noted echo view joins the queue (another send, a close) before
  // anything else is queued, so that order holds.
  void spillEcho() {
    if (echoData_ != nullptr) [[unlikely]]
      spillEchoSlow();
  }
  [[gnu::noinline]] void spillEchoSlow();
  void writeQueued(bool report);
  // What goes to the socket: the output queue, or for TLS its records.
  OutputQueue& wire() { return tls_ ? tlsWire() : queue_.get(); }
  // Bytes that left the wire's queue, without making a queue for it.
  uint64_t wireHanded() { return tls_ ? tlsWire().handed() : queue_.handed(); }
  void handOver(OutputQueue& out, uv_buf_t* bufs);
  void reportWritten();
  void onWriteRequestDone(WriteRequest* request, int status);
  void afterRead();
  void onRead(ssize_t nread, const uv_buf_t* buf);
  [[gnu::noinline]] void onReadEnd(ssize_t nread);  // EOF or error, off the per-message path
  void onClosed();
  void closeHandle(bool reset);
  // Cancelled write callbacks, then onClose, then the handler is destroyed;
  // once (later calls do nothing).
  void endHandler();
  void updateReading();
  // Read budget (ConnectionOptions::readBudgetBytes): a connection whose
  // consecutive full reads reach it stops reading until the next flush point.
  void countRead(std::size_t bytes) {
    if (gate_.countRead(bytes, Loop::kSlabSize, options_->readBudgetBytes)) yieldReading();
  }
  [[gnu::noinline]] void yieldReading();
  void endReadYield();
  void afterOutputChange();
  void beginShutdown();
  void finalClose();
  void armTimer(uint64_t ms);
  void onTimer();
  // Only the idle timeout reads the activity time; without one, skip the call.
  void touch() {
    if (options_->idleTimeoutMs != 0) cold().idle.touch(uv_now(loop_.raw()));
  }
  void stopTimer();
  template <class F>
  [[gnu::always_inline]] inline void guarded(F&& call);
  [[gnu::noinline]] Error handlerThrew(std::exception_ptr thrown);

  // TLS (TcpConnectionTls.cpp): the record layer between the socket and
  // the paths above. A plaintext connection never calls these.
  void beginTls();
  [[gnu::noinline]] void onTlsRead(ssize_t nread, const uv_buf_t* buf);
  // Handshake steps (within the per-pass budget), then plaintext to the
  // handler while it may read; input it may not read yet is kept.
  void pumpTls();
  void stepTls();
  Error outOfMemory() const;
  void openTls();
  void deliverTls();
  // Encrypts the output queue into records before a write.
  void sealTls();
  void failHandshake(const std::string& why);
  // On a TLS error of ours: writeAlert() sends what OpenSSL wrote (the
  // alert; false if the socket did not take it all), closeAfterAlert()
  // then closes with a FIN after it, or a reset if it did not go out.
  bool writeAlert();
  void closeAfterAlert(bool alertSent, Error reason);
  OutputQueue& tlsWire();
  std::size_t tlsMemory() const;
  std::size_t tlsQueued() const;

  // What every send reads comes first, next to the vtable pointer: a
  // broadcast to 1000 members touches one or two cache lines of each.
  // Packed: 10,000 idle connections hold 10,000 of these.
  CloseSequence close_;
  bool inRead_ = false;  // inside this connection's onData: slab views may be borrowed
  HandlerDispatch dispatch_;
  ReadGate gate_;
  uint32_t flushSlot_ = FlushList::kNotListed;
  uint32_t setSlot_ = 0;
  // A view of the read slab sent during this connection's own onData while
  // nothing else was queued: written when the read callback returns.
  uint32_t echoSize_ = 0;
  const char* echoData_ = nullptr;
  const ConnectionOptions* options_;  // the owner's copy, which outlives it
  Loop& loop_;
  LazyOutputQueue queue_;
  ConnectionOwner* owner_;
  uint64_t id_;
  uv_tcp_t tcp_;
  std::unique_ptr<ConnectionHandler> handler_;
  std::unique_ptr<TlsSession> tls_;  // set only for TLS connections
  std::unique_ptr<Cold> cold_;
  Endpoint peer_;
};

// Used by both halves of the implementation (TcpConnection.cpp and
// TcpConnectionOutput.cpp).
template <class F>
inline void TcpConnection::guarded(F&& call) {
  // A handler's exception must not unwind through libuv's C frames: it is
  // logged and ends this connection.
  dispatch_.enter();
  try {
    call();
  } catch (...) {
    abortWith(handlerThrew(std::current_exception()));
  }
  if (dispatch_.leave()) [[unlikely]]
    endHandler();
}

}  // namespace uvreactor::detail
