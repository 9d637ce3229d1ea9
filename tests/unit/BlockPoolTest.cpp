// BlockPool: blocks are reused, and a burst's blocks are given back once two
// windows pass without needing them. Each test runs on a thread of its own,
// since the pool is per thread.
#include "BlockPool.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using uvreactor::detail::Block;
using uvreactor::detail::BlockPool;

namespace {
template <class F>
void onFreshThread(F&& body) {
  std::thread(std::forward<F>(body)).join();
}
}  // namespace

TEST(BlockPool, FreedBlocksAreReused) {
  onFreshThread([] {
    char* first = BlockPool::take(BlockPool::kLargeBlock);
    BlockPool::give(first, BlockPool::kLargeBlock);
    EXPECT_EQ(BlockPool::take(BlockPool::kLargeBlock), first);
    BlockPool::give(first, BlockPool::kLargeBlock);
    Block small(BlockPool::kSmallBlock);
    EXPECT_EQ(BlockPool::inUseBytes(), BlockPool::kSmallBlock);
  });
}

TEST(BlockPool, ABurstIsGivenBackAfterTwoQuietWindows) {
  onFreshThread([] {
    {
      std::vector<Block> burst;
      for (int i = 0; i < 100; ++i) burst.emplace_back(BlockPool::kLargeBlock);
      EXPECT_EQ(BlockPool::inUseBytes(), 100 * BlockPool::kLargeBlock);
    }
    EXPECT_EQ(BlockPool::inUseBytes(), 0u);
    EXPECT_EQ(BlockPool::cachedBytes(), 100 * BlockPool::kLargeBlock);
    BlockPool::trim(1000);  // the window with the burst ends: kept
    EXPECT_EQ(BlockPool::cachedBytes(), 100 * BlockPool::kLargeBlock);
    BlockPool::trim(1500);  // not a new window yet
    BlockPool::trim(2000);  // one quiet window: still kept (bursts recur)
    EXPECT_EQ(BlockPool::cachedBytes(), 100 * BlockPool::kLargeBlock);
    BlockPool::trim(3000);  // two quiet windows: given back
    EXPECT_EQ(BlockPool::cachedBytes(), 0u);
  });
}

TEST(BlockPool, OtherSizesBypassThePool) {
  onFreshThread([] {
    { Block odd(5000); }
    EXPECT_EQ(BlockPool::cachedBytes(), 0u);
    EXPECT_EQ(BlockPool::inUseBytes(), 0u);
  });
}
