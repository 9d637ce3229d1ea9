// ClientSession: uvreactor-client's one session with the server, over TCP
// (maybe TLS) or UDP: lines from the stdin reader go out, replies go to
// stdout, and a quiet timer ends the session once input is over and the
// server has gone silent for --wait.
//
// InputCredit bounds the bytes read from stdin but not yet written: the
// reader thread waits above it. The credit is the one object both threads
// touch; a session is loop-thread only (the reader reaches it through
// Loop::post).
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "ClientConfig.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/Timer.hpp"

namespace uvreactor::demo {

// Bytes of input read but not yet written: the reader waits above the bound.
class InputCredit {
 public:
  static constexpr std::size_t kInputInFlight = 1 << 20;
  void acquire(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [&] { return inFlight_ < kInputInFlight || closed_; });
    inFlight_ += n;
  }
  void release(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_ -= std::min(n, inFlight_);
    freed_.notify_one();
  }
  // The session is over: never block the reader again.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t inFlight_ = 0;
  bool closed_ = false;
};

// Shared by the TCP and UDP paths: lines to send, end of input, and the quiet
// timer that ends the session when the server goes silent.
class Session {
 public:
  Session(Loop& loop, uint64_t waitMs, InputCredit& credit)
      : credit_(credit), quiet_(loop), waitMs_(waitMs) {}
  virtual ~Session() = default;
  virtual void send(std::string bytes) = 0;
  virtual void endOfInput() = 0;
  virtual void stop() = 0;

  // Something happened after the end of input: restart the quiet period.
  void activity() {
    if (inputDone_ && quietAllowed()) quiet_.start(waitMs_, 0, [this] { stop(); });
  }
  void inputFinished() {
    inputDone_ = true;
    activity();
  }
  int exitCode = 0;

 protected:
  // TCP: only once connected and all input is written.
  virtual bool quietAllowed() const { return true; }
  void cancelQuiet() { quiet_.stop(); }
  InputCredit& credit_;
  bool inputDone_ = false;

 private:
  Timer quiet_;
  uint64_t waitMs_;
};

// A TCP (or TLS) or UDP session to `config.to`, as the config says.
std::unique_ptr<Session> makeSession(Loop& loop, const ClientConfig& config, InputCredit& credit);

}  // namespace uvreactor::demo
