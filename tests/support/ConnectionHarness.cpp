#include "support/ConnectionHarness.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>

namespace uvreactor::test {

using namespace std::chrono_literals;

// ---- fake ---------------------------------------------------------------------

void FakeHarness::open(const ConnectionOptions& options, HandlerFactory factory) {
  connection_ = std::make_unique<testing::FakeConnection>(options, &clock_);
  connection_->open(factory);
}

std::string FakeHarness::received() {
  received_ += connection_->takeOutput();
  return received_;
}

void FakeHarness::act(const std::function<void(Connection&)>& action) {
  if (connection_->isOpen()) action(*connection_);
}

// ---- loopback -----------------------------------------------------------------

TrackingHandler::TrackingHandler(Connection*& slot, std::unique_ptr<ConnectionHandler> inner)
    : slot_(slot), inner_(std::move(inner)) {}

void TrackingHandler::onOpen(Connection& c) {
  slot_ = &c;
  inner_->onOpen(c);
}

void TrackingHandler::onClose(Connection& c, const Error& reason) {
  slot_ = nullptr;
  inner_->onClose(c, reason);
}

void LoopbackHarness::open(const ConnectionOptions& options, HandlerFactory factory) {
  ListenerOptions listenerOptions;
  listenerOptions.connection = options;
  listener_ = loop_.call([&] {
    return std::move(*TcpListener::listen(
        loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
        [this, factory](Connection& c) -> std::unique_ptr<ConnectionHandler> {
          return std::make_unique<TrackingHandler>(connection_, factory(c));
        },
        listenerOptions));
  });
  // A small receive buffer: a peer that stops reading stops the flow soon.
  peer_.connect(listener_->localEndpoint(), 4096);
  setReading(true);
  settle();
}

void LoopbackHarness::send(std::string_view bytes) {
  peer_.sendAll(bytes);
  settle();
}

void LoopbackHarness::sendEof() {
  peer_.shutdownWrite();
  settle();
}

void LoopbackHarness::reset() {
  setReading(false);
  peer_.reset();
  settle();
}

void LoopbackHarness::setReading(bool reading) {
  if (reading == reading_) return;
  reading_ = reading;
  if (reading) {
    reader_ = std::thread([this] { readUntilStopped(); });
  } else if (reader_.joinable()) {
    reader_.join();
  }
}

void LoopbackHarness::readUntilStopped() {
  char buffer[65536];
  while (reading_) {
    pollfd p{peer_.fd(), POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    ssize_t n = ::recv(peer_.fd(), buffer, sizeof buffer, 0);
    if (n > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    return;  // EOF or an error: the scenario decides what the peer does next
  }
}

std::string LoopbackHarness::received() {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void LoopbackHarness::act(const std::function<void(Connection&)>& action) {
  loop_.call([&] {
    if (connection_ != nullptr && connection_->isOpen()) action(*connection_);
  });
}

void LoopbackHarness::elapse(uint64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Real time: long enough for loopback I/O and the loop's flushes, then one
// round trip through the loop so that its callbacks have run.
void LoopbackHarness::settle() {
  std::this_thread::sleep_for(100ms);
  loop_.call([] {});
}

Error LoopbackHarness::close() {
  if (closed_) return {};
  closed_ = true;
  reading_ = false;
  if (reader_.joinable()) reader_.join();
  peer_.close();
  loop_.call([&] { listener_.reset(); });
  return loop_.shutdown();
}

}  // namespace uvreactor::test
