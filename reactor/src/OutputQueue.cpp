#include "OutputQueue.hpp"

#include <algorithm>
#include <cstring>

#include "UvBuffer.hpp"

namespace uvreactor::detail {

char* OutputQueue::tailSpace(std::size_t& room) {
  room = 0;
  if (segments_.empty()) return nullptr;
  Segment& tail = segments_.back();
  if (!tail.own) return nullptr;
  char* end = const_cast<char*>(tail.data) + tail.size;
  room = tail.own.capacity() - static_cast<std::size_t>(end - tail.own.get());
  return end;
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
  segments_.push_back(std::move(s));
}

void OutputQueue::appendCopy(std::string_view bytes) {
  if (bytes.empty()) return;
  bytes_ += bytes.size();
  appended_ += bytes.size();
  std::size_t room;
  if (char* end = tailSpace(room); room != 0) {
    std::size_t n = std::min(room, bytes.size());
    std::memcpy(end, bytes.data(), n);
    segments_.back().size += n;
    bytes.remove_prefix(n);
  }
  if (!bytes.empty()) pushBlock(bytes);
}

void OutputQueue::append(const Payload& payload) {
  if (payload.size() <= kCopyLimit) {
    appendCopy(payload.view());
    return;
  }
  Segment s;
  s.shared = payload;
  s.data = payload.data();
  s.size = payload.size();
  bytes_ += s.size;
  appended_ += s.size;
  memory_ += s.size;
  segments_.push_back(std::move(s));
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
  segments_.push_back(std::move(s));
}

void OutputQueue::ownBorrowed() {
  if (borrowed_ == 0) return;
  // Rebuilt in order, so that borrowed bytes can join the blocks around them.
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
      segments_.push_back(std::move(s));
    }
    old.pop_front();
  }
  appended_ = appended;
  bytes_ = bytes;
}

void OutputQueue::addCallback(WriteCallback done) {
  callbacks_.push_back(Pending{appended_, std::move(done)});
}

unsigned OutputQueue::gather(uv_buf_t* out, unsigned max) const {
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
  segments_.pop_front();
}

void OutputQueue::consume(std::size_t n) {
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
  segments_.clear();
  callbacks_.clear();
  bytes_ = 0;
  memory_ = 0;
  borrowed_ = 0;
  handed_ = appended_;
}

}  // namespace uvreactor::detail
