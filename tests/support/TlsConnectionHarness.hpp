// TlsLoopbackHarness: the handler contract's scenarios on a real TLS
// connection (see ConnectionHarness.hpp): a TLS listener on a LoopThread,
// and a peer that is an OpenSSL client on a thread of its own (an SSL object
// is read and written from one thread only). The peer's half-close is its
// close_notify and then a FIN; its reset is a TCP reset.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "support/LoopThread.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/TcpListener.hpp"

namespace uvreactor::test {

class TlsLoopbackHarness {
 public:
  static constexpr const char* kName = "TlsLoopback";
  ~TlsLoopbackHarness() { static_cast<void>(close()); }
  void open(const ConnectionOptions& options, HandlerFactory factory);
  void send(std::string_view bytes);
  void sendEof();
  void reset();
  void setReading(bool reading);
  std::string received();
  void act(const std::function<void(Connection&)>& action);
  void elapse(uint64_t ms);
  void settle();
  Error close();

 private:
  // The peer thread: runs the handshake, then queued commands, writes and
  // (while reading) reads, until stopped.
  void runPeer();
  void post(std::function<void()> command);

  LoopThread loop_;
  std::unique_ptr<TcpListener> listener_;
  Connection* connection_ = nullptr;  // loop thread only
  // Peer thread state (the SSL objects are opaque here).
  int fd_ = -1;
  void* ctx_ = nullptr;
  void* ssl_ = nullptr;
  std::string out_;  // plaintext not yet taken by SSL_write
  bool eofAfterOut_ = false;
  bool peerReading_ = true;
  std::thread peer_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> handshook_{false};
  std::mutex mutex_;
  std::deque<std::function<void()>> commands_;
  std::string received_;
  bool closed_ = false;
};

}  // namespace uvreactor::test
