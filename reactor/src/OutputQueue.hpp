// Internal: one connection's output that the kernel has not taken yet.
//
// A queue of segments in send order. Small sends (at most kCopyLimit bytes)
// are copied into blocks the queue owns, so that many tiny messages cost
// their bytes and not a bookkeeping record each; larger Payloads are queued
// by reference and stay shared with every other connection that sends them
// (a broadcast is not copied per member). Borrowed segments point into the
// loop's read slab and are only valid until ownBorrowed() copies them, which
// the connection does before its read callback returns.
//
// The queue counts the memory it really holds (blocks at their capacity, a
// fixed cost per segment, the callbacks waiting), so caps compared against
// memory() bound the process, whatever the message size. Draining is linear:
// a deque, consumed from the front. Pure (no I/O), so it is unit-tested
// without sockets; the connection gathers buffers from it for one writev.
//
// Positions: every byte appended gets a position; handed() is how many have
// left the queue (written or moved into a write request). A write callback
// is registered at the current end and is due once its position is handed
// and confirmed by the writer (see takeDue).
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "BlockPool.hpp"
#include "Ring.hpp"
#include "uvreactor/Connection.hpp"
#include "uvreactor/Payload.hpp"

namespace uvreactor::detail {

class OutputQueue {
 public:
  // At or below this size a send is copied: a shared reference plus its
  // segment costs about as much memory as the bytes, and copying a short
  // line into a block is cheaper than an atomic reference count per
  // recipient and one iovec each in the kernel.
  static constexpr std::size_t kCopyLimit = 128;
  // Blocks start small, so that an idle connection with one short reply
  // does not hold 16 KiB, and grow once the queue does.
  static constexpr std::size_t kSmallBlock = BlockPool::kSmallBlock;
  static constexpr std::size_t kLargeBlock = BlockPool::kLargeBlock;

  struct Segment {
    Payload shared;              // a queued reference (shared kind)
    Block own;                   // a block the queue owns (block kind)
    const char* data = nullptr;  // first unsent byte
    std::size_t size = 0;        // unsent bytes
    bool borrowed = false;       // points into memory the caller owns
  };

  OutputQueue() = default;
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  // The per-message path: a short send into the open tail block touches
  // only this object and the block.
  void appendCopy(std::string_view bytes) {
    std::size_t n = bytes.size();
    if (n != 0 && n <= static_cast<std::size_t>(tailLimit_ - tailEnd_)) [[likely]] {
      copyBytes(tailEnd_, bytes.data(), n);
      tailEnd_ += n;
      bytes_ += n;
      appended_ += n;
      return;
    }
    appendCopySlow(bytes);
  }
  void append(const Payload& payload) {
    std::string_view bytes = payload.view();  // one look through the reference
    if (bytes.size() <= kCopyLimit) {
      appendCopy(bytes);
    } else {
      appendShared(payload);
    }
  }
  // `bytes` must stay valid until ownBorrowed() (or until consumed).
  void appendBorrowed(std::string_view bytes);
  // Copies every borrowed segment into owned storage.
  void ownBorrowed();
  bool hasBorrowed() const { return borrowed_ != 0; }

  // `done` is due when every byte appended so far has been written.
  void addCallback(WriteCallback done);

  bool empty() const { return segments_.empty(); }
  std::size_t bytes() const { return bytes_; }
  // Bytes held: blocks at capacity, shared and borrowed bytes still unsent,
  // and the arrays of segments and callbacks at their capacity.
  std::size_t memory() const {
    return memory_ + segments_.capacity() * sizeof(Segment) +
           callbacks_.capacity() * sizeof(Pending);
  }
  std::size_t segmentCount() const { return segments_.size(); }
  uint64_t handed() const { return handed_; }
  bool hasCallbacks() const { return !callbacks_.empty(); }

  // Fills `out` with up to `max` buffers from the front; returns how many.
  unsigned gather(uv_buf_t* out, unsigned max);
  // The first `n` bytes were written: drop them.
  void consume(std::size_t n);
  // Moves the first `count` segments (owned or shared, never borrowed) out,
  // to live in a write request until libuv is done with them.
  std::vector<Segment> takeFront(std::size_t count);
  // Moves out the callbacks whose bytes are all at or before `confirmed`.
  void takeDue(uint64_t confirmed, std::vector<WriteCallback>& out);
  // Everything else: the connection closed. Segments are dropped and the
  // callbacks still waiting are moved to `out` (to be told "cancelled").
  void clear(std::vector<WriteCallback>& out);

 private:
  // A short line (a broadcast's usual size) in 16-byte moves from both
  // ends, overlapping in the middle, with no loop: GCC turns a loop (or a
  // plain memcpy of a size it knows is small) into `rep movsq`, whose
  // start-up costs more than the line.
  static void copyBytes(char* to, const char* from, std::size_t n) {
    static_assert(kCopyLimit <= 128, "copyBytes moves at most 8 x 16 bytes");
    auto move16 = [&](std::size_t at) { std::memcpy(to + at, from + at, 16); };
    if (n < 16 || n > kCopyLimit) {
      std::memcpy(to, from, n);
      return;
    }
    move16(0);
    move16(n - 16);
    if (n <= 32) return;
    move16(16);
    move16(n - 32);
    if (n <= 64) return;
    move16(32);
    move16(48);
    move16(n - 48);
    move16(n - 64);
  }
  [[gnu::noinline]] void appendCopySlow(std::string_view bytes);
  [[gnu::noinline]] void appendShared(const Payload& payload);
  // The last segment may be an open block, filled past its recorded size up
  // to tailEnd_: sealTail() records the size (before anything reads sizes),
  // closeTail() also stops appending to it (before another segment follows).
  void sealTail();
  void closeTail();
  void pushSegment(Segment&& s);
  void pushBlock(std::string_view bytes);
  void popFront(std::size_t cost, bool borrowed);
  static std::size_t costOf(const Segment& s) { return s.own ? s.own.capacity() : s.size; }

  struct Pending {
    uint64_t position;
    WriteCallback done;
  };
  // The fields a short send touches come first (one cache line).
  char* tailEnd_ = nullptr;    // end of the open tail block's bytes
  char* tailLimit_ = nullptr;  // end of its capacity
  std::size_t bytes_ = 0;
  uint64_t appended_ = 0;
  std::size_t memory_ = 0;
  std::size_t borrowed_ = 0;  // borrowed segments in the queue
  uint64_t handed_ = 0;
  Ring<Segment> segments_;
  Ring<Pending> callbacks_;
};

}  // namespace uvreactor::detail
