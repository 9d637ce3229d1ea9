#include "uvreactor/testing/FakeConnection.hpp"

#include <uv.h>

namespace uvreactor::testing {

FakeConnection::FakeConnection(ConnectionOptions options, ManualClock* clock, uint64_t id)
    : options_(options), clock_(clock), id_(id) {
  if (auto p = Endpoint::parse("127.0.0.1:40000")) peer_ = *p;
}

FakeConnection::~FakeConnection() {
  if (clock_ != nullptr && idleTimer_ != 0) clock_->cancel(idleTimer_);
}

void FakeConnection::open(const HandlerFactory& factory) {
  open(factory(*this));
}

void FakeConnection::open(std::unique_ptr<ConnectionHandler> handler) {
  handler_ = std::move(handler);
  open_ = true;
  armIdle();
  ++depth_;
  handler_->onOpen(*this);
  afterCallback();
}

void FakeConnection::armIdle() {
  if (clock_ == nullptr || options_.idleTimeoutMs == 0) return;
  if (idleTimer_ != 0) clock_->cancel(idleTimer_);
  idleTimer_ = clock_->schedule(options_.idleTimeoutMs, [this] {
    idleTimer_ = 0;
    if (!open_ || closeRequested_) return;
    reason_ = Error(UV_ETIMEDOUT, "idle timeout " + peer_.toString());
    closeRequested_ = true;
    finish(reason_);
  });
}

void FakeConnection::settle() {
  if (!closeRequested_ || !open_ || depth_ != 0) return;
  // A graceful close waits for the peer to take the queued output.
  if (!aborted_ && !queued_.empty()) return;
  finish(reason_);
}

void FakeConnection::deliver(std::string_view bytes) {
  settle();
  if (!open_ || closeRequested_ || readingPaused()) return;
  armIdle();
  ++depth_;
  handler_->onData(*this, bytes);
  afterCallback();
}

void FakeConnection::deliverEof() {
  settle();
  if (!open_ || closeRequested_) return;
  ++depth_;
  handler_->onEof(*this);
  afterCallback();
}

void FakeConnection::deliverReset() {
  if (!open_) return;
  aborted_ = true;
  finish(Error(UV_ECONNRESET, "read " + peer_.toString() + ": connection reset by peer"));
}

std::string FakeConnection::takeOutput() {
  settle();
  std::string out;
  out.swap(written_);
  return out;
}

void FakeConnection::setPeerReading(bool reading) {
  peerReading_ = reading;
  if (!reading) return;
  written_ += queued_;
  queued_.clear();
  auto callbacks = std::move(pendingCallbacks_);
  pendingCallbacks_.clear();
  for (auto& done : callbacks) done(Error());
  ++depth_;
  checkWaterMarks();
  afterCallback();
}

void FakeConnection::send(std::string_view bytes) {
  if (!isOpen() || writeShutdown_) return;
  armIdle();
  if (peerReading_ && queued_.empty()) {
    written_.append(bytes);
    return;
  }
  queued_.append(bytes);
  checkWaterMarks();
}

void FakeConnection::send(const Payload& payload) {
  send(payload.view());
}

void FakeConnection::send(const Payload& payload, WriteCallback done) {
  if (!isOpen() || writeShutdown_) {
    if (done) done(Error(UV_ECANCELED, "write: connection closing"));
    return;
  }
  bool immediate = peerReading_ && queued_.empty();
  send(payload.view());
  if (!done) return;
  if (immediate) {
    done(Error());
  } else {
    pendingCallbacks_.push_back(std::move(done));
  }
}

void FakeConnection::checkWaterMarks() {
  if (queued_.size() > options_.maxQueuedBytes) {
    // As in the real connection, onClose comes later, never from inside the
    // send() that crossed the limit (the sender may be iterating a room).
    reason_ = Error(UV_ENOBUFS, "slow consumer " + peer_.toString());
    closeRequested_ = true;
    aborted_ = true;
    queued_.clear();
    return;
  }
  if (!aboveHigh_ && queued_.size() > options_.highWaterMark) {
    aboveHigh_ = true;
    handler_->onHighWater(*this);
  } else if (aboveHigh_ && queued_.size() <= options_.lowWaterMark) {
    aboveHigh_ = false;
    handler_->onLowWater(*this);
  }
}

void FakeConnection::close() {
  if (!open_) return;
  closeRequested_ = true;
  settle();
}

void FakeConnection::abort() {
  if (!open_) return;
  closeRequested_ = true;
  aborted_ = true;
  queued_.clear();
  settle();
}

void FakeConnection::shutdownWrite() {
  writeShutdown_ = true;
}

void FakeConnection::afterCallback() {
  --depth_;
  settle();
}

void FakeConnection::finish(Error reason) {
  if (!open_) return;
  open_ = false;
  if (!aborted_ && peerReading_) {
    written_ += queued_;
    queued_.clear();
  }
  auto callbacks = std::move(pendingCallbacks_);
  pendingCallbacks_.clear();
  for (auto& done : callbacks) done(Error(UV_ECANCELED, "write: connection closed"));
  closed_ = true;
  reason_ = std::move(reason);
  handler_->onClose(*this, reason_);
}

}  // namespace uvreactor::testing
