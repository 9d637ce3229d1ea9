// Internal: a connection's idle timeout, as what it decides from.
//
// Activity is bytes read, bytes written, or a peer taking output it was
// given: a peer draining a large reply slowly is active, though no write
// completes. The connection samples how many output bytes the peer has
// taken when the timer fires; only growth since the last sample counts
// (more output queued meanwhile is not activity). Pure: unit-tested alone.
#pragma once

#include <cstdint>

namespace uvreactor::detail {

class IdleWatch {
 public:
  void touch(uint64_t nowMs) { lastActivityMs_ = nowMs; }
  // At a timer expiry: `delivered` is the output the peer has taken so far.
  // Returns the milliseconds left before the connection is idle for
  // `timeoutMs`; 0 means it is.
  uint64_t remaining(int64_t delivered, uint64_t nowMs, uint64_t timeoutMs) {
    if (delivered > lastDelivered_) lastActivityMs_ = nowMs;
    lastDelivered_ = delivered;
    uint64_t idle = nowMs - lastActivityMs_;
    return idle < timeoutMs ? timeoutMs - idle : 0;
  }

 private:
  uint64_t lastActivityMs_ = 0;
  int64_t lastDelivered_ = 0;  // output bytes the peer had taken, at the last check
};

}  // namespace uvreactor::detail
