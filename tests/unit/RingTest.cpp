// Ring: FIFO order across wrap-around and growth, destruction of what it
// holds, and memory given back after a burst.
#include "Ring.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

using uvreactor::detail::Ring;

TEST(Ring, AllocatesNothingUntilUsed) {
  Ring<std::string> r;
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_TRUE(r.empty());
}

TEST(Ring, KeepsOrderAcrossWrapAroundAndGrowth) {
  Ring<std::string> r;
  int next = 0, expect = 0;
  // Interleave pushes and pops so the head wraps before each growth.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3; ++i) r.push_back(std::to_string(next++));
    r.pop_front();
    EXPECT_EQ(std::to_string(++expect), r.front());
  }
  for (std::size_t i = 0; i < r.size(); ++i)
    EXPECT_EQ(r[i], std::to_string(expect + static_cast<int>(i)));
  while (!r.empty()) {
    EXPECT_EQ(r.front(), std::to_string(expect++));
    r.pop_front();
  }
  EXPECT_EQ(expect, next);
}

TEST(Ring, DestroysWhatItHoldsAndReleasesAfterABurst) {
  auto shared = std::make_shared<int>(7);
  {
    Ring<std::shared_ptr<int>> r;
    for (int i = 0; i < 1000; ++i) r.push_back(std::shared_ptr<int>(shared));
    EXPECT_EQ(shared.use_count(), 1001);
    for (int i = 0; i < 1000; ++i) r.pop_front();
    EXPECT_EQ(shared.use_count(), 1);
    EXPECT_EQ(r.capacity(), 0u) << "a drained burst keeps its array";
    for (int i = 0; i < 10; ++i) r.push_back(std::shared_ptr<int>(shared));
  }
  EXPECT_EQ(shared.use_count(), 1) << "the destructor leaked held items";
}
