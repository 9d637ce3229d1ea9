// FakeConnection: a Connection with no socket, for unit-testing handlers.
//
// Test-support, in the spirit of Netty's EmbeddedChannel: the test delivers
// input and EOF, and reads back what the handler sent and whether it closed.
// It follows the real connection (tests/integration/HandlerContractTest.cpp
// runs the same scenarios on both and requires the same callbacks): a close
// requested inside a callback takes effect after the callback returns,
// onClose runs exactly once, sends after close or shutdownWrite() are
// dropped, write completions come after the call that sent, input that
// arrives while reading is paused waits until it resumes, and a handler's
// exception aborts the connection with a reason that says so.
// setPeerReading(false) makes output queue up instead of being "written", so
// water marks and slow-consumer limits can be tested; an optional
// ManualClock drives the idle timeout, which counts input and output the
// peer took as activity, not output queued for a peer that does not read.
// Part of the uvreactor::testing library; single-threaded.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "uvreactor/Connection.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/testing/ManualClock.hpp"

namespace uvreactor::testing {

class FakeConnection final : public Connection {
 public:
  explicit FakeConnection(ConnectionOptions options = {}, ManualClock* clock = nullptr,
                          uint64_t id = 1);
  ~FakeConnection() override;

  // Creates the handler with `factory` and calls onOpen.
  void open(const HandlerFactory& factory);
  void open(std::unique_ptr<ConnectionHandler> handler);

  // Input from the "peer".
  void deliver(std::string_view bytes);
  void deliverEof();
  // The peer vanished: the handler sees onClose with a reset error.
  void deliverReset();

  // Output the handler produced and the "peer" has read, then clears it.
  std::string takeOutput();
  const std::string& output() const { return written_; }
  // While false, output queues (queuedBytes grows) and water marks apply.
  void setPeerReading(bool reading);

  // Runs a close that was requested outside any handler callback (e.g. a
  // slow-consumer abort triggered by another connection's broadcast). Every
  // input and output call above settles first.
  void settle();

  bool closeRequested() const { return closeRequested_; }
  bool aborted() const { return aborted_; }
  bool closed() const { return closed_; }  // onClose has run
  bool writeShutdown() const { return writeShutdown_; }
  bool readingPaused() const { return userPaused_ || aboveHigh_; }
  const Error& closeReason() const { return reason_; }
  ConnectionHandler* handler() const { return handler_.get(); }

  void setPeer(const Endpoint& peer) { peer_ = peer; }

  // Connection
  void send(std::string_view bytes) override;
  void send(const Payload& payload) override;
  void send(const Payload& payload, WriteCallback done) override;
  void close() override;
  void abort() override;
  void shutdownWrite() override;
  void pauseReading() override { userPaused_ = true; }
  void resumeReading() override;
  std::size_t queuedBytes() const override { return queued_.size(); }
  bool isOpen() const override { return open_ && !closeRequested_; }
  const Endpoint& peer() const override { return peer_; }
  uint64_t id() const override { return id_; }

 private:
  template <class F>
  void dispatch(F&& call);
  void afterCallback();
  void deliverPending();
  void reportWritten();
  void finish(Error reason);
  void checkWaterMarks();
  void armIdle();

  ConnectionOptions options_;
  ManualClock* clock_;
  uint64_t id_;
  Endpoint peer_;
  std::unique_ptr<ConnectionHandler> handler_;
  std::string written_;
  std::string queued_;
  std::string pendingInput_;  // arrived while reading was paused
  bool pendingEof_ = false;
  std::vector<WriteCallback> pendingCallbacks_;
  Error reason_;
  ManualClock::Id idleTimer_ = 0;
  int depth_ = 0;
  bool open_ = false;
  bool peerReading_ = true;
  bool closeRequested_ = false;
  bool aborted_ = false;
  bool closed_ = false;
  bool writeShutdown_ = false;
  bool userPaused_ = false;
  bool aboveHigh_ = false;
};

}  // namespace uvreactor::testing
