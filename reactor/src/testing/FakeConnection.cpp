#include "uvreactor/testing/FakeConnection.hpp"

#include <uv.h>

#include <exception>

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
  dispatch([&] { handler_->onOpen(*this); });
}

// As in the real connection: a handler's exception ends its connection,
// with a reason that says so, and never reaches the test's caller.
template <class F>
void FakeConnection::dispatch(F&& call) {
  ++depth_;
  try {
    call();
  } catch (...) {
    std::string what = "handler for " + peer_.toString() + " threw";
    try {
      throw;
    } catch (const std::exception& e) {
      what += ": ";
      what += e.what();
    } catch (...) {
    }
    if (!closeRequested_) reason_ = Error(UV_ECANCELED, std::move(what));
    closeRequested_ = true;
    aborted_ = true;
    queued_.clear();
  }
  afterCallback();
}

// Activity, as the real connection counts it: input read, or output the
// peer took. Output queued for a peer that does not read is not activity.
void FakeConnection::armIdle() {
  if (clock_ == nullptr || options_.idleTimeoutMs == 0) return;
  if (idleTimer_ != 0) clock_->cancel(idleTimer_);
  idleTimer_ = clock_->schedule(options_.idleTimeoutMs, [this] {
    idleTimer_ = 0;
    if (!open_ || closeRequested_) return;
    reason_ = Error(UV_ETIMEDOUT, "idle timeout " + peer_.toString());
    closeRequested_ = true;
    aborted_ = !queued_.empty();
    finish(reason_);
  });
}

void FakeConnection::settle() {
  if (depth_ != 0) return;
  if (closeRequested_ && open_) {
    // A graceful close waits for the peer to take the queued output.
    if (!aborted_ && !queued_.empty()) return;
    finish(reason_);
    return;
  }
  deliverPending();
}

// Input that arrived while reading was paused waits, as it would in the
// kernel, and comes once reading resumes (outside any callback).
void FakeConnection::deliverPending() {
  while (open_ && !closeRequested_ && !readingPaused() && depth_ == 0 &&
         (!pendingInput_.empty() || pendingEof_)) {
    if (!pendingInput_.empty()) {
      std::string input;
      input.swap(pendingInput_);
      armIdle();
      dispatch([&] { handler_->onData(*this, input); });
    } else {
      pendingEof_ = false;
      dispatch([&] { handler_->onEof(*this); });
    }
  }
}

void FakeConnection::deliver(std::string_view bytes) {
  settle();
  if (!open_ || closeRequested_) return;
  if (readingPaused() || !pendingInput_.empty() || pendingEof_) {
    pendingInput_.append(bytes);
    return;
  }
  armIdle();
  dispatch([&] { handler_->onData(*this, bytes); });
}

void FakeConnection::deliverEof() {
  settle();
  if (!open_ || closeRequested_) return;
  if (readingPaused() || !pendingInput_.empty()) {
    pendingEof_ = true;
    return;
  }
  dispatch([&] { handler_->onEof(*this); });
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
  if (!queued_.empty()) armIdle();  // the peer took output: progress
  written_ += queued_;
  queued_.clear();
  auto callbacks = std::move(pendingCallbacks_);
  pendingCallbacks_.clear();
  ++depth_;
  for (auto& done : callbacks) dispatch([&] { done(Error()); });
  checkWaterMarks();
  afterCallback();
}

void FakeConnection::send(std::string_view bytes) {
  if (!isOpen() || writeShutdown_ || bytes.empty()) return;
  if (peerReading_ && queued_.empty()) {
    armIdle();  // taken at once: progress
    written_.append(bytes);
    return;
  }
  queued_.append(bytes);
  checkWaterMarks();
}

void FakeConnection::send(const Payload& payload) {
  send(payload.view());
}

// Completions come after the call that sent, never from inside send(), as
// in the real connection (whose writes complete at the loop's flush point).
void FakeConnection::send(const Payload& payload, WriteCallback done) {
  if (!isOpen() || writeShutdown_) {
    if (done) done(Error(UV_ECANCELED, "write: connection closing"));
    return;
  }
  send(payload.view());
  if (done) pendingCallbacks_.push_back(std::move(done));
  if (depth_ == 0) reportWritten();
}

void FakeConnection::reportWritten() {
  if (!queued_.empty() || pendingCallbacks_.empty() || !open_ || aborted_) return;
  auto callbacks = std::move(pendingCallbacks_);
  pendingCallbacks_.clear();
  ++depth_;
  for (auto& done : callbacks) dispatch([&] { done(Error()); });
  --depth_;
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
    dispatch([&] { handler_->onHighWater(*this); });
  } else if (aboveHigh_ && queued_.size() <= options_.lowWaterMark) {
    aboveHigh_ = false;
    dispatch([&] { handler_->onLowWater(*this); });
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
  if (!isOpen() || writeShutdown_) return;
  writeShutdown_ = true;
}

void FakeConnection::resumeReading() {
  userPaused_ = false;
  settle();
}

void FakeConnection::afterCallback() {
  --depth_;
  if (depth_ == 0) reportWritten();
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
  Error cancelled(UV_ECANCELED, "write: connection closed");
  for (auto& done : callbacks) {
    try {
      done(cancelled);
    } catch (...) {  // logged by the real connection; nothing to abort any more
    }
  }
  closed_ = true;
  reason_ = std::move(reason);
  try {
    handler_->onClose(*this, reason_);
  } catch (...) {
  }
}

}  // namespace uvreactor::testing
