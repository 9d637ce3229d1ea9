// Internal: a connection's life from accept to close, as a state machine.
//
// Idle (accepted, not started) -> Handshake (TLS only) -> Open -> Draining
// (close(): queued output still going out) -> ShuttingDown (our FIN issued,
// waiting for the peer's) -> Closing (the handle is being closed). abort()
// and errors jump to Closing from anywhere. Beside the state it records the
// peer's EOF, the half close the handler asked for (shutdownWrite), whether
// our uv_shutdown was issued and has completed, and why the library ended
// the connection (six bytes in all: every connection holds one). The connection does the I/O
// each answer calls for. Pure: unit-tested alone.
#pragma once

#include <cstdint>

namespace uvreactor::detail {

class CloseSequence {
 public:
  enum class State : uint8_t { Idle, Handshake, Open, Draining, ShuttingDown, Closing };
  // Why the library (not the handler or the peer) ended a connection; the
  // owner counts these in its stats.
  enum class Cutoff : uint8_t { None, IdleTimeout, SlowConsumer, CloseTimeout };

  State state() const { return state_; }
  bool is(State s) const { return state_ == s; }
  bool isOpen() const { return state_ == State::Open; }
  bool closing() const { return state_ == State::Closing; }
  // close() was called and the graceful close is under way.
  bool graceful() const { return state_ == State::Draining || state_ == State::ShuttingDown; }
  void beginHandshake() { state_ = State::Handshake; }
  void open() { state_ = State::Open; }

  // The handler's sends are taken (open, and no shutdownWrite yet).
  bool takesOutput() const { return state_ == State::Open && !writeShutdownRequested_; }
  // The socket may be read at all (see ReadGate): not before start, not
  // once closing, not after the peer's EOF. While draining, input is read
  // and dropped: unread input at close() time makes the kernel send a
  // reset, which can destroy our last reply.
  bool reads() const { return state_ != State::Idle && state_ != State::Closing && !eof_; }

  // close(): from Open only. True if the drain began now.
  bool beginDrain() {
    if (state_ != State::Open) return false;
    state_ = State::Draining;
    return true;
  }
  // shutdownWrite(): true the first time, while open.
  bool requestWriteShutdown() {
    if (state_ != State::Open || writeShutdownRequested_) return false;
    writeShutdownRequested_ = true;
    return true;
  }
  // Once the output is all written: our FIN is due.
  bool finDue() const {
    return state_ == State::Draining || (state_ == State::Open && writeShutdownRequested_);
  }
  // Our FIN goes out: a drain becomes ShuttingDown. True if the uv_shutdown
  // is to be issued now (it is issued once).
  bool issueShutdown() {
    if (state_ == State::Draining) state_ = State::ShuttingDown;
    if (shutdownIssued_) return false;
    shutdownIssued_ = true;
    return true;
  }
  void shutdownCompleted() { shutdownDone_ = true; }
  void eofReceived() { eof_ = true; }
  bool eof() const { return eof_; }
  // Both FINs have gone: the graceful close is complete.
  bool bothClosed() const { return state_ == State::ShuttingDown && shutdownDone_ && eof_; }
  // To Closing; false if it already was.
  bool finish() {
    if (state_ == State::Closing) return false;
    state_ = State::Closing;
    return true;
  }

  Cutoff cutoff() const { return cutoff_; }
  void cutOff(Cutoff why) { cutoff_ = why; }

 private:
  State state_ = State::Idle;
  Cutoff cutoff_ = Cutoff::None;
  bool eof_ = false;
  bool writeShutdownRequested_ = false;
  bool shutdownIssued_ = false;
  bool shutdownDone_ = false;
};

}  // namespace uvreactor::detail
