// Internal: the deadlines of many owners in one min-heap, so a loop needs
// one timer for all its connections' timeouts instead of one each.
//
// An Entry lives inside its owner and knows its place in the heap, so
// moving or removing a deadline is O(log n) with no search and nothing
// allocated per entry beyond one pointer in the heap. Pure: no I/O,
// unit-tested alone. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace uvreactor::detail {

class DeadlineHeap {
 public:
  static constexpr uint32_t kNotArmed = UINT32_MAX;
  struct Entry {
    uint64_t due = 0;
    uint32_t index = kNotArmed;
    uint32_t pass = 0;  // the expiry pass that armed it (see popDue)
    bool armed() const { return index != kNotArmed; }
  };

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  uint64_t earliest() const { return heap_.front()->due; }

  // Arms or moves `e`.
  void set(Entry& e, uint64_t due) {
    e.pass = pass_;
    if (!e.armed()) {
      e.index = static_cast<uint32_t>(heap_.size());
      heap_.push_back(&e);
    }
    e.due = due;
    up(down(e.index));
  }
  void remove(Entry& e) {
    if (!e.armed()) return;
    uint32_t i = e.index;
    e.index = kNotArmed;
    Entry* last = heap_.back();
    heap_.pop_back();
    if (last == &e) return;
    place(i, last);
    up(down(i));
  }
  // An expiry pass: entries due at `now` are popped one by one, except
  // those armed during this pass (a timeout of 0 set from an expiry waits
  // for the next pass, as a libuv timer does).
  void beginPass() { ++pass_; }
  Entry* popDue(uint64_t now) {
    if (heap_.empty()) return nullptr;
    Entry* top = heap_.front();
    if (top->due > now || top->pass == pass_) return nullptr;
    remove(*top);
    return top;
  }
  // The heap goes away: every entry forgets it was armed.
  void detachAll() {
    for (Entry* e : heap_) e->index = kNotArmed;
    heap_.clear();
  }

 private:
  void place(uint32_t i, Entry* e) {
    heap_[i] = e;
    e->index = i;
  }
  uint32_t down(uint32_t i) {
    Entry* e = heap_[i];
    std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * std::size_t{i} + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_[child + 1]->due < heap_[child]->due) ++child;
      if (heap_[child]->due >= e->due) break;
      place(i, heap_[child]);
      i = static_cast<uint32_t>(child);
    }
    place(i, e);
    return i;
  }
  void up(uint32_t i) {
    Entry* e = heap_[i];
    while (i > 0) {
      uint32_t parent = (i - 1) / 2;
      if (heap_[parent]->due <= e->due) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, e);
  }

  std::vector<Entry*> heap_;
  uint32_t pass_ = 0;
};

}  // namespace uvreactor::detail
