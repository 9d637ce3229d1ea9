// Internal: the fixed-size output blocks of every OutputQueue on a thread.
//
// A fan-out iteration fills and frees thousands of blocks (1000 recipients
// of 80 KB each in one iteration is 80 MB); straight malloc/free of that
// many chunks fragments glibc's bins, and _int_malloc took 12% of the
// server's time in the chat benchmark. Freed blocks of the two sizes the
// queues use are kept for reuse instead, but only as many as were in use at
// once during the last second or two: trim(), called once per loop
// iteration, gives the rest back, so a burst's memory returns to the system
// within about two seconds.
//
// Thread-local: each loop thread has its own pool, and nothing is shared.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uvreactor::detail {

class BlockPool {
 public:
  static constexpr std::size_t kSmallBlock = 1024;
  static constexpr std::size_t kLargeBlock = 16 * 1024;
  static bool pooled(std::size_t size) { return size == kSmallBlock || size == kLargeBlock; }

  // `size` is kSmallBlock or kLargeBlock.
  static char* take(std::size_t size);
  static void give(char* block, std::size_t size);
  static void trim(uint64_t nowMs);
  // Bytes held for reuse, and bytes handed out (tests read these).
  static std::size_t cachedBytes();
  static std::size_t inUseBytes();
};

// A block the queue owns: from the pool when it has the pool's size,
// otherwise from the heap (a small first block, or one large send).
class Block {
 public:
  Block() = default;
  explicit Block(std::size_t capacity)
      : bytes_(BlockPool::pooled(capacity) ? BlockPool::take(capacity) : new char[capacity]),
        capacity_(capacity) {}
  Block(Block&& other) noexcept : bytes_(other.bytes_), capacity_(other.capacity_) {
    other.bytes_ = nullptr;
    other.capacity_ = 0;
  }
  Block& operator=(Block&& other) noexcept {
    if (this != &other) {
      release();
      bytes_ = other.bytes_;
      capacity_ = other.capacity_;
      other.bytes_ = nullptr;
      other.capacity_ = 0;
    }
    return *this;
  }
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block() { release(); }

  char* get() const { return bytes_; }
  std::size_t capacity() const { return capacity_; }
  explicit operator bool() const { return bytes_ != nullptr; }

 private:
  void release() {
    if (bytes_ == nullptr) return;
    if (BlockPool::pooled(capacity_)) {
      BlockPool::give(bytes_, capacity_);
    } else {
      delete[] bytes_;
    }
    bytes_ = nullptr;
  }
  char* bytes_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace uvreactor::detail
