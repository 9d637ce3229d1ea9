// ConnectionHarness: one handler scenario, two connections.
//
// FakeHarness drives a handler on a testing::FakeConnection (no socket, a
// ManualClock); LoopbackHarness drives the same handler on a real accepted
// TCP connection (a LoopThread, a blocking peer socket, real time). A typed
// test runs the same steps on both and compares the handler's journal, so
// the fake cannot drift from the real connection unnoticed.
//
// While reading, the peer of the loopback harness drains everything into
// received(); it half-closes only when a scenario says so (sendEof()).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/testing/FakeConnection.hpp"
#include "uvreactor/testing/ManualClock.hpp"

namespace uvreactor::test {

// Forwards every callback to the scenario's handler and tracks the
// connection in `slot` (loop thread), so a harness can act on it.
class TrackingHandler final : public ConnectionHandler {
 public:
  TrackingHandler(Connection*& slot, std::unique_ptr<ConnectionHandler> inner);
  void onOpen(Connection& c) override;
  void onData(Connection& c, std::string_view bytes) override { inner_->onData(c, bytes); }
  void onEof(Connection& c) override { inner_->onEof(c); }
  void onHighWater(Connection& c) override { inner_->onHighWater(c); }
  void onLowWater(Connection& c) override { inner_->onLowWater(c); }
  void onClose(Connection& c, const Error& reason) override;

 private:
  Connection*& slot_;
  std::unique_ptr<ConnectionHandler> inner_;
};

class FakeHarness {
 public:
  static constexpr const char* kName = "Fake";
  void open(const ConnectionOptions& options, HandlerFactory factory);
  // The peer sends bytes / half-closes / resets.
  void send(std::string_view bytes) { connection_->deliver(bytes); }
  void sendEof() { connection_->deliverEof(); }
  void reset() { connection_->deliverReset(); }
  void setReading(bool reading) { connection_->setPeerReading(reading); }
  std::string received();
  // Runs `action` on the connection, as a handler's timer or another
  // connection's broadcast would.
  void act(const std::function<void(Connection&)>& action);
  void elapse(uint64_t ms) { clock_.advance(ms); }
  // Lets what the steps set in motion finish.
  void settle() { connection_->settle(); }
  Error close() { return {}; }

 private:
  testing::ManualClock clock_;
  std::unique_ptr<testing::FakeConnection> connection_;
  std::string received_;
};

class LoopbackHarness {
 public:
  static constexpr const char* kName = "Loopback";
  ~LoopbackHarness() { static_cast<void>(close()); }
  void open(const ConnectionOptions& options, HandlerFactory factory);
  void send(std::string_view bytes);
  void sendEof();
  void reset();
  void setReading(bool reading);
  std::string received();
  void act(const std::function<void(Connection&)>& action);
  void elapse(uint64_t ms);
  void settle();
  // Stops the peer and the listener; returns Loop::close()'s verdict.
  Error close();

 private:
  void readUntilStopped();

  LoopThread loop_;
  std::unique_ptr<TcpListener> listener_;
  Connection* connection_ = nullptr;  // loop thread only; null once closed
  SocketClient peer_;
  std::thread reader_;
  std::atomic<bool> reading_{false};
  std::mutex mutex_;
  std::string received_;
  bool closed_ = false;
};

}  // namespace uvreactor::test
