#include "OutputQueue.hpp"

#include <algorithm>
#include <cstring>

#include "UvBuffer.hpp"

namespace uvreactor::detail {

void OutputQueue::sealTail() {
  if (tailEnd_ != nullptr)
    segments_.back().size = static_cast<std::size_t>(tailEnd_ - segments_.back().data);
}

void OutputQueue::closeTail() {
  sealTail();
  tailEnd_ = tailLimit_ = nullptr;
}

void OutputQueue::pushSegment(Segment&& s) {
  closeTail();
  segments_.push_back(std::move(s));
}

void OutputQueue::pushBlock(std::string_view bytes) {
  // The first block is small (most queues hold one short reply); once a
  // second is needed the queue is backing up, and blocks are large. A large
  // send gets a block of its own size. (bytes_ already counts `bytes`.)
  bool first = bytes_ == bytes.size();
  std::size_t capacity = std::max(bytes.size(), first ? kSmallBlock : kLargeBlock);
  Segment s;
  s.own = Block(capacity);
  std::memcpy(s.own.get(), bytes.data(), bytes.size());
  s.data = s.own.get();
  s.size = bytes.size();
  memory_ += capacity;
  pushSegment(std::move(s));
  // The new block is the open tail: short sends go straight into it.
  Segment& tail = segments_.back();
  tailEnd_ = tail.own.get() + tail.size;
  tailLimit_ = tail.own.get() + capacity;
}

void OutputQueue::appendCopySlow(std::string_view bytes) {
  if (bytes.empty()) return;
  bytes_ += bytes.size();
  appended_ += bytes.size();
  if (std::size_t room = static_cast<std::size_t>(tailLimit_ - tailEnd_); room != 0) {
    std::size_t n = std::min(room, bytes.size());
    std::memcpy(tailEnd_, bytes.data(), n);
    tailEnd_ += n;
    bytes.remove_prefix(n);
  }
  if (!bytes.empty()) pushBlock(bytes);
}

void OutputQueue::appendShared(const Payload& payload) {
  Segment s;
  s.shared = payload;
  s.data = payload.data();
  s.size = payload.size();
  bytes_ += s.size;
  appended_ += s.size;
  memory_ += s.size;
  pushSegment(std::move(s));
}

void OutputQueue::appendBorrowed(std::string_view bytes) {
  if (bytes.empty()) return;
  Segment s;
  s.data = bytes.data();
  s.size = bytes.size();
  s.borrowed = true;
  bytes_ += s.size;
  appended_ += s.size;
  memory_ += s.size;
  ++borrowed_;
  pushSegment(std::move(s));
}

void OutputQueue::ownBorrowed() {
  if (borrowed_ == 0) return;
  // Rebuilt in order, so that borrowed bytes can join the blocks around them.
  closeTail();
  Ring<Segment> old;
  old.swap(segments_);
  std::size_t bytes = bytes_;
  uint64_t appended = appended_;
  memory_ = 0;
  bytes_ = 0;
  borrowed_ = 0;
  while (!old.empty()) {
    Segment& s = old.front();
    if (s.borrowed) {
      appendCopy(std::string_view(s.data, s.size));
    } else {
      bytes_ += s.size;
      memory_ += costOf(s);
      pushSegment(std::move(s));
    }
    old.pop_front();
  }
  appended_ = appended;
  bytes_ = bytes;
}

void OutputQueue::addCallback(WriteCallback done) {
  callbacks_.push_back(Pending{appended_, std::move(done)});
}

unsigned OutputQueue::gather(uv_buf_t* out, unsigned max) {
  sealTail();
  unsigned n = static_cast<unsigned>(std::min<std::size_t>(max, segments_.size()));
  for (unsigned i = 0; i < n; ++i) {
    const Segment& s = segments_[i];
    out[i] = uvBuffer(s.data, s.size);
  }
  return n;
}

void OutputQueue::popFront(std::size_t cost, bool borrowed) {
  memory_ -= cost;
  if (borrowed) --borrowed_;
  if (segments_.size() == 1) tailEnd_ = tailLimit_ = nullptr;  // the open tail goes
  segments_.pop_front();
}

void OutputQueue::consume(std::size_t n) {
  sealTail();
  bytes_ -= n;
  handed_ += n;
  while (n != 0) {
    Segment& s = segments_.front();
    if (n < s.size) {
      s.data += n;
      s.size -= n;
      if (!s.own) memory_ -= n;
      return;
    }
    n -= s.size;
    popFront(costOf(s), s.borrowed);
  }
}

std::vector<OutputQueue::Segment> OutputQueue::takeFront(std::size_t count) {
  sealTail();
  std::vector<Segment> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Segment& s = segments_.front();
    bytes_ -= s.size;
    handed_ += s.size;
    std::size_t cost = costOf(s);
    bool borrowed = s.borrowed;
    out.push_back(std::move(s));
    popFront(cost, borrowed);
  }
  return out;
}

void OutputQueue::takeDue(uint64_t confirmed, std::vector<WriteCallback>& out) {
  while (!callbacks_.empty() && callbacks_.front().position <= confirmed) {
    out.push_back(std::move(callbacks_.front().done));
    callbacks_.pop_front();
  }
}

void OutputQueue::clear(std::vector<WriteCallback>& out) {
  while (!callbacks_.empty()) {
    out.push_back(std::move(callbacks_.front().done));
    callbacks_.pop_front();
  }
  tailEnd_ = tailLimit_ = nullptr;
  segments_.clear();
  callbacks_.clear();
  bytes_ = 0;
  memory_ = 0;
  borrowed_ = 0;
  handed_ = appended_;
}

}  // namespace uvreactor::detail
