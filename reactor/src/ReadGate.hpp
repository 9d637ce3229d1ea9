// Internal: whether a connection's socket is read, and its read budget.
//
// Four things stop reading: the handler paused it, its output is above the
// high-water mark, it used up this pass's read budget (it yields until the
// loop's next flush point), or the connection's close sequence says so
// (passed in: `lifecycleReads`). The gate holds the first three and the
// length of the current burst of full reads; the connection starts or stops
// libuv when reading() changes. Pure: no I/O, unit-tested alone.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uvreactor::detail {

class ReadGate {
 public:
  void pause() { userPaused_ = true; }
  void resume() { userPaused_ = false; }
  void setAboveHigh(bool above) { aboveHigh_ = above; }
  bool aboveHigh() const { return aboveHigh_; }
  // The handler may be given input (neither paused nor above high water).
  bool handlerReads() const { return !userPaused_ && !aboveHigh_; }

  // Whether the socket should be read now. `lifecycleReads`: the close
  // sequence allows reading at all; `open`: the handler is being fed (a
  // connection handshaking or closing reads whatever the handler asked).
  bool wanted(bool lifecycleReads, bool open) const {
    return lifecycleReads && !yielded_ && (!open || handlerReads());
  }
  bool reading() const { return reading_; }
  // Records what libuv was told; false if it already was.
  bool setReading(bool want) {
    if (want == reading_) return false;
    reading_ = want;
    return true;
  }

  // Read budget: counts one read of `bytes` (a read of `fullRead` bytes
  // filled the buffer, so more may wait). True once this pass's consecutive
  // full reads reach `budget` (0: no budget): the connection should yield.
  bool countRead(std::size_t bytes, std::size_t fullRead, std::size_t budget) {
    if (bytes < fullRead) {
      burst_ = 0;  // a short read: libuv stops reading this peer anyway
      return false;
    }
    // Saturating: without a budget the burst may run on for gigabytes (a
    // budget past 4 GiB is as good as none).
    burst_ = bytes >= UINT32_MAX - burst_ ? UINT32_MAX : burst_ + static_cast<uint32_t>(bytes);
    return burst_ >= budget && budget != 0;
  }
  // Nothing more to read: the burst ended.
  void endBurst() { burst_ = 0; }
  bool yielded() const { return yielded_; }
  void yield() { yielded_ = true; }
  void endYield() {
    yielded_ = false;
    burst_ = 0;
  }

 private:
  uint32_t burst_ = 0;    // bytes of this pass's consecutive full reads
  bool reading_ = false;  // libuv was told to read
  bool userPaused_ = false;
  bool aboveHigh_ = false;
  bool yielded_ = false;
};

}  // namespace uvreactor::detail
