#include "BlockPool.hpp"

#include <algorithm>
#include <vector>

namespace uvreactor::detail {
namespace {

constexpr uint64_t kWindowMs = 1000;

// One size class.
struct FreeList {
  std::size_t size;
  std::vector<char*> cached;
  std::size_t inUse = 0;
  std::size_t windowPeak = 0;  // most blocks in use at once in this window
  std::size_t lastPeak = 0;    // the same in the window before

  void trim() {
    // Keep what the busier of the last two windows needed at its peak, less
    // what is still in use; free the rest.
    std::size_t keep = std::max(windowPeak, lastPeak);
    keep = keep > inUse ? keep - inUse : 0;
    while (cached.size() > keep) {
      delete[] cached.back();
      cached.pop_back();
    }
    if (cached.size() < cached.capacity() / 4) cached.shrink_to_fit();
    lastPeak = windowPeak;
    windowPeak = inUse;
  }
  ~FreeList() {
    for (char* block : cached) delete[] block;
  }
};

struct ThreadPool {
  FreeList small{BlockPool::kSmallBlock, {}};
  FreeList large{BlockPool::kLargeBlock, {}};
  uint64_t windowStart = 0;
  FreeList& of(std::size_t size) { return size == BlockPool::kSmallBlock ? small : large; }
};

ThreadPool& pool() {
  thread_local ThreadPool instance;
  return instance;
}

}  // namespace

char* BlockPool::take(std::size_t size) {
  FreeList& list = pool().of(size);
  list.windowPeak = std::max(list.windowPeak, ++list.inUse);
  if (list.cached.empty()) return new char[size];
  char* block = list.cached.back();
  list.cached.pop_back();
  return block;
}

void BlockPool::give(char* block, std::size_t size) {
  FreeList& list = pool().of(size);
  --list.inUse;
  list.cached.push_back(block);
}

void BlockPool::trim(uint64_t nowMs) {
  ThreadPool& p = pool();
  if (nowMs - p.windowStart < kWindowMs) return;
  p.windowStart = nowMs;
  p.small.trim();
  p.large.trim();
}

std::size_t BlockPool::cachedBytes() {
  ThreadPool& p = pool();
  return p.small.cached.size() * kSmallBlock + p.large.cached.size() * kLargeBlock;
}

std::size_t BlockPool::inUseBytes() {
  ThreadPool& p = pool();
  return p.small.inUse * kSmallBlock + p.large.inUse * kLargeBlock;
}

}  // namespace uvreactor::detail
