// Internal: a FIFO in one growable circular array.
//
// std::deque would do the job, but libstdc++'s allocates a map and a 512-byte
// node when it is constructed, and every connection holds these queues while
// idle. A Ring allocates nothing until the first push, pops in O(1) from the
// front (draining is linear in the items), and gives its memory back once it
// empties after a burst.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace uvreactor::detail {

template <class T>
class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() { clear(); }

  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return capacity_; }
  T& front() { return slot(0); }
  const T& front() const { return slot(0); }
  T& back() { return slot(count_ - 1); }
  T& operator[](std::size_t i) { return slot(i); }
  const T& operator[](std::size_t i) const { return slot(i); }

  void push_back(T&& item) {
    if (count_ == capacity_) grow();
    new (&raw(head_ + count_)) T(std::move(item));
    ++count_;
  }
  void pop_front() {
    slot(0).~T();
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    if (--count_ == 0) {
      head_ = 0;
      // A burst is over: keep a little, give the rest back.
      if (capacity_ > kKeep) release();
    }
  }
  void swap(Ring& other) {
    std::swap(items_, other.items_);
    std::swap(capacity_, other.capacity_);
    std::swap(head_, other.head_);
    std::swap(count_, other.count_);
  }
  void clear() {
    while (count_ != 0) {
      slot(0).~T();
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --count_;
    }
    head_ = 0;
    release();
  }

 private:
  static constexpr std::size_t kKeep = 16;
  struct alignas(T) Storage {
    unsigned char bytes[sizeof(T)];
  };
  T& raw(std::size_t i) {
    return *reinterpret_cast<T*>(&items_[i < capacity_ ? i : i - capacity_]);
  }
  T& slot(std::size_t i) { return *std::launder(&raw(head_ + i)); }
  const T& slot(std::size_t i) const { return const_cast<Ring*>(this)->slot(i); }
  void grow() {
    std::size_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
    std::unique_ptr<Storage[]> items(new Storage[capacity]);
    for (std::size_t i = 0; i < count_; ++i) {
      T& from = slot(i);
      new (&items[i]) T(std::move(from));
      from.~T();
    }
    items_ = std::move(items);
    capacity_ = capacity;
    head_ = 0;
  }
  void release() {
    items_.reset();
    capacity_ = 0;
  }

  std::unique_ptr<Storage[]> items_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace uvreactor::detail
