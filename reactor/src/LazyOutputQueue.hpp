// Internal: a connection's OutputQueue, made on the first send that needs
// one (an echo the kernel takes whole never does).
//
// The queue is about 120 bytes; a connection that has never queued output
// holds a pointer instead. Once made it stays (a connection that sent once
// will likely send again; its blocks are released when it empties, see
// OutputQueue). The queries answer for an absent queue without making one.
// Loop-thread only.
#pragma once

#include <memory>

#include "OutputQueue.hpp"

namespace uvreactor::detail {

class LazyOutputQueue {
 public:
  // The queue, made now if it was not yet.
  OutputQueue& get() {
    if (!queue_) [[unlikely]]
      return make();
    return *queue_;
  }
  operator OutputQueue&() { return get(); }
  bool made() const { return queue_ != nullptr; }

  bool empty() const { return !queue_ || queue_->empty(); }
  std::size_t bytes() const { return queue_ ? queue_->bytes() : 0; }
  std::size_t memory() const { return queue_ ? queue_->memory() : 0; }
  bool hasBorrowed() const { return queue_ && queue_->hasBorrowed(); }
  bool hasCallbacks() const { return queue_ && queue_->hasCallbacks(); }
  uint64_t handed() const { return queue_ ? queue_->handed() : 0; }

  void appendCopy(std::string_view bytes) { get().appendCopy(bytes); }
  void append(const Payload& payload) { get().append(payload); }
  void appendBorrowed(std::string_view bytes) { get().appendBorrowed(bytes); }
  void addCallback(WriteCallback done) { get().addCallback(std::move(done)); }
  void ownBorrowed() {
    if (queue_) queue_->ownBorrowed();
  }
  void clear(std::vector<WriteCallback>& out) {
    if (queue_) queue_->clear(out);
  }

 private:
  // Out of line: the allocation would cost every send's fast path its
  // registers.
  [[gnu::noinline]] OutputQueue& make() {
    queue_ = std::make_unique<OutputQueue>();
    return *queue_;
  }

  std::unique_ptr<OutputQueue> queue_;
};

}  // namespace uvreactor::detail
