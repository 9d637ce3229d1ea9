// DeadlineHeap: the loop's one heap of connection deadlines. Order, moves
// and removals in any position, the expiry pass that leaves deadlines armed
// during it for the next one, and detaching at loop close.
#include "DeadlineHeap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

using uvreactor::detail::DeadlineHeap;
using Entry = DeadlineHeap::Entry;

namespace {
std::vector<uint64_t> drain(DeadlineHeap& heap, uint64_t now) {
  std::vector<uint64_t> out;
  heap.beginPass();
  while (Entry* e = heap.popDue(now)) {
    EXPECT_FALSE(e->armed());
    out.push_back(e->due);
  }
  return out;
}
}  // namespace

TEST(DeadlineHeap, PopsDueEntriesEarliestFirst) {
  DeadlineHeap heap;
  std::vector<Entry> entries(6);
  uint64_t dues[] = {50, 10, 40, 20, 60, 30};
  for (int i = 0; i < 6; ++i) heap.set(entries[i], dues[i]);
  EXPECT_EQ(heap.earliest(), 10u);
  EXPECT_EQ(drain(heap, 35), (std::vector<uint64_t>{10, 20, 30}));
  EXPECT_EQ(heap.size(), 3u);
  EXPECT_EQ(drain(heap, 100), (std::vector<uint64_t>{40, 50, 60}));
  EXPECT_TRUE(heap.empty());
}

TEST(DeadlineHeap, MovesAndRemovesAnywhereKeepOrder) {
  std::mt19937 random(7);
  DeadlineHeap heap;
  std::vector<Entry> entries(200);
  for (auto& e : entries) heap.set(e, random() % 1000);
  for (int round = 0; round < 500; ++round) {
    Entry& e = entries[random() % entries.size()];
    if (random() % 3 == 0) {
      heap.remove(e);
      heap.remove(e);  // twice is harmless
    } else {
      heap.set(e, random() % 1000);  // arms or moves, earlier or later
    }
  }
  std::size_t armed = 0;
  for (auto& e : entries) armed += e.armed() ? 1 : 0;
  EXPECT_EQ(heap.size(), armed);
  std::vector<uint64_t> popped = drain(heap, 1000);
  EXPECT_EQ(popped.size(), armed);
  EXPECT_TRUE(std::is_sorted(popped.begin(), popped.end()));
}

TEST(DeadlineHeap, AnEntryArmedDuringAPassWaitsForTheNext) {
  DeadlineHeap heap;
  Entry a, b;
  heap.set(a, 10);
  heap.beginPass();
  EXPECT_EQ(heap.popDue(10), &a);
  heap.set(b, 10);  // a timeout of 0, set from an expiry callback
  EXPECT_EQ(heap.popDue(10), nullptr);
  heap.beginPass();
  EXPECT_EQ(heap.popDue(10), &b);
}

TEST(DeadlineHeap, DetachAllDisarmsEveryEntry) {
  DeadlineHeap heap;
  Entry a, b;
  heap.set(a, 1);
  heap.set(b, 2);
  heap.detachAll();
  EXPECT_TRUE(heap.empty());
  EXPECT_FALSE(a.armed());
  EXPECT_FALSE(b.armed());
  heap.remove(a);  // a stop after the loop closed touches nothing
}
