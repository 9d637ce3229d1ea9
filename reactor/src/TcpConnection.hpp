// Internal: the libuv implementation of Connection.
//
// Owns its uv_tcp_t and its handler. Its owner (a TcpListener or TcpConnector)
// holds it by unique_ptr and is told from the uv_close callback, where it
// deletes it; an owner that goes away first detaches, and the connection then
// deletes itself in that callback. Nothing here is freed while a libuv
// callback of this connection is on the stack.
#pragma once

#include <uv.h>

#include <memory>
#include <vector>

#include "uvreactor/Connection.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor::detail {

class TcpConnection;

class ConnectionOwner {
 public:
  // From the uv_close callback; the owner may delete `connection` now.
  virtual void connectionClosed(TcpConnection& connection) = 0;

 protected:
  ~ConnectionOwner() = default;
};

class TcpConnection final : public Connection {
 public:
  // Why the library (not the handler or the peer) ended a connection; the
  // owner counts these in its stats.
  enum class Cutoff : uint8_t { None, IdleTimeout, SlowConsumer, CloseTimeout };

  TcpConnection(Loop& loop, ConnectionOwner* owner, const ConnectionOptions& options, uint64_t id);
  ~TcpConnection() override;

  uv_tcp_t* tcp() { return &tcp_; }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  // After accept or connect: learns the peer, starts reading, calls onOpen.
  void start(std::unique_ptr<ConnectionHandler> handler);
  // The owner is going away: from now on this deletes itself when closed.
  void detachOwner() { owner_ = nullptr; }
  // Closes a connection that never started (no handler is told).
  void discard();
  void abortWith(Error reason);
  void closeWith(Error reason);

  void send(std::string_view bytes) override;
  void send(Payload payload) override;
  void send(Payload payload, WriteCallback done) override;
  void close() override { closeWith({}); }
  void abort() override { abortWith({}); }
  void shutdownWrite() override;
  void pauseReading() override;
  void resumeReading() override;
  std::size_t queuedBytes() const override { return queued_; }
  bool isOpen() const override { return state_ == State::Open; }
  const Endpoint& peer() const override { return peer_; }
  uint64_t id() const override { return id_; }
  Cutoff cutoff() const { return cutoff_; }

 private:
  enum class State : uint8_t { Idle, Open, Draining, ShuttingDown, Closing };
  struct Chunk {
    Payload payload;
    std::size_t offset;
    WriteCallback done;
  };
  struct TimerBox;

  // The per-message path: a uv_try_write when nothing is queued (UV_EAGAIN
  // when something is). Everything else is out of line, so that this path
  // stays short (see bench/deterministic.py).
  int tryWrite(std::string_view bytes);
  [[gnu::noinline]] bool failedWrite(int tried);
  [[gnu::noinline]] void queueRest(std::string_view bytes, int tried);
  [[gnu::noinline]] void queueRest(Payload payload, int tried);
  void enqueue(Payload payload, std::size_t offset, WriteCallback done);
  void startWrite();
  void onWriteDone(int status);
  void onRead(ssize_t nread, const uv_buf_t* buf);
  [[gnu::noinline]] void onReadEnd(ssize_t nread);  // EOF or error, off the per-message path
  void onClosed();
  void updateReading();
  void afterOutputChange();
  void beginShutdown();
  void finalClose();
  void armTimer(uint64_t ms);
  void onTimer();
  // Only the idle timeout reads the activity time; without one, skip the call.
  void touch() {
    if (options_.idleTimeoutMs != 0) lastActivityMs_ = loop_.nowMs();
  }
  void stopTimer();
  template <class F>
  [[gnu::always_inline]] inline void guarded(F&& call);

  Loop& loop_;
  ConnectionOwner* owner_;
  const ConnectionOptions& options_;
  uint64_t id_;
  uv_tcp_t tcp_;
  // The write and shutdown requests, made on first need: most connections
  // of an echo or chat server never queue a write, and an idle one should
  // cost as little memory as it can.
  struct Requests {
    uv_write_t write;
    uv_shutdown_t shutdown;
  };
  Requests& requests();
  std::unique_ptr<Requests> requests_;
  std::unique_ptr<ConnectionHandler> handler_;
  std::vector<Chunk> pending_;
  std::vector<Chunk> inflight_;
  std::size_t queued_ = 0;
  uint64_t lastActivityMs_ = 0;
  std::size_t lastUnsent_ = 0;  // output bytes not yet taken by the peer, at the last check
  TimerBox* timer_ = nullptr;
  Endpoint peer_;
  Error reason_;
  State state_ = State::Idle;
  Cutoff cutoff_ = Cutoff::None;
  bool reading_ = false;
  bool userPaused_ = false;
  bool aboveHigh_ = false;
  bool eofReceived_ = false;
  bool writeShutdownRequested_ = false;
  bool shutdownIssued_ = false;
  bool shutdownDone_ = false;
};

}  // namespace uvreactor::detail
