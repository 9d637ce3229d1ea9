// OutputQueue: order, sharing, memory accounting and write-callback positions
// of a connection's pending output, without sockets.
#include "OutputQueue.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

using uvreactor::Error;
using uvreactor::Payload;
using uvreactor::WriteCallback;
using uvreactor::detail::OutputQueue;

namespace {

// Everything the queue would write, front to back.
std::string contents(OutputQueue& q) {
  std::vector<uv_buf_t> bufs(q.segmentCount() + 1);
  unsigned n = q.gather(bufs.data(), static_cast<unsigned>(bufs.size()));
  std::string out;
  for (unsigned i = 0; i < n; ++i) out.append(bufs[i].base, bufs[i].len);
  return out;
}

}  // namespace

TEST(OutputQueue, KeepsSendOrderAcrossEveryKindOfAppend) {
  OutputQueue q;
  std::string expected;
  Payload big = Payload::copyOf(std::string(5000, 'B'));
  char slab[] = "borrowed";
  for (int i = 0; i < 50; ++i) {
    std::string small = "line " + std::to_string(i) + "\n";
    q.appendCopy(small);
    expected += small;
    q.append(big);
    expected += big.view();
    q.append(Payload::copyOf("tiny"));
    expected += "tiny";
    q.appendBorrowed(slab);
    expected += slab;
  }
  EXPECT_EQ(q.bytes(), expected.size());
  EXPECT_EQ(contents(q), expected);
  q.ownBorrowed();
  std::memset(slab, 'x', sizeof slab - 1);  // the caller reuses its buffer
  EXPECT_FALSE(q.hasBorrowed());
  EXPECT_EQ(contents(q), expected) << "borrowed bytes were not copied";
}

TEST(OutputQueue, LargePayloadsAreSharedSmallOnesCopied) {
  OutputQueue q;
  Payload big = Payload::copyOf(std::string(OutputQueue::kCopyLimit + 1, 'L'));
  Payload small = Payload::copyOf(std::string(OutputQueue::kCopyLimit, 's'));
  q.append(big);
  q.append(small);
  EXPECT_EQ(big.useCount(), 2) << "a large payload is queued by reference";
  EXPECT_EQ(small.useCount(), 1) << "a small payload is copied, not referenced";
  uv_buf_t buf;
  ASSERT_EQ(q.gather(&buf, 1), 1u);
  EXPECT_EQ(buf.base, big.data()) << "the shared bytes themselves are written";
}

TEST(OutputQueue, TinyMessagesCostTheirBytesNotABookkeepingRecordEach) {
  OutputQueue q;
  const std::size_t n = 100000;
  for (std::size_t i = 0; i < n; ++i) q.appendCopy("x");
  for (std::size_t i = 0; i < n; ++i) q.append(Payload::copyOf("yy"));
  EXPECT_EQ(q.bytes(), 3 * n);
  // Blocks are filled back to back: a few block headers beyond the bytes.
  EXPECT_LE(q.memory(), 3 * n + 2 * OutputQueue::kLargeBlock) << q.memory();
  EXPECT_GE(q.memory(), 3 * n);
}

TEST(OutputQueue, MemoryCountsSegmentsAndIsGivenBackWhenDrained) {
  OutputQueue q;
  Payload big = Payload::copyOf(std::string(1000, 'b'));
  const std::size_t n = 10000;
  for (std::size_t i = 0; i < n; ++i) q.append(big);
  EXPECT_EQ(q.bytes(), 1000 * n);
  // A queued reference is charged its bytes and its segment record, even
  // though the bytes are shared: a cap must hold per connection.
  EXPECT_GE(q.memory(), n * (1000 + sizeof(OutputQueue::Segment)));
  q.consume(q.bytes());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.memory(), 0u) << "the segment array was not released after the burst";
  EXPECT_EQ(big.useCount(), 1);
}

TEST(OutputQueue, ConsumeHandlesPartialSegments) {
  OutputQueue q;
  q.appendCopy("abc");
  q.append(Payload::copyOf(std::string(200, 'p')));
  q.appendCopy("xyz");
  std::string all = contents(q);
  q.consume(2);
  EXPECT_EQ(contents(q), all.substr(2));
  q.consume(100);
  EXPECT_EQ(contents(q), all.substr(102));
  EXPECT_EQ(q.handed(), 102u);
  q.consume(q.bytes());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.handed(), all.size());
}

TEST(OutputQueue, CallbacksFallDueWhenTheirBytesAreConfirmed) {
  OutputQueue q;
  std::vector<std::string> order;
  auto note = [&](std::string name) -> WriteCallback {
    return [&order, name](const Error&) { order.push_back(name); };
  };
  q.addCallback(note("before-anything"));
  q.appendCopy("0123456789");
  q.addCallback(note("after-10"));
  q.append(Payload::copyOf(std::string(500, 'z')));
  q.addCallback(note("after-510"));
  std::vector<WriteCallback> due;
  q.takeDue(q.handed(), due);
  ASSERT_EQ(due.size(), 1u) << "a callback with no bytes before it is due at once";
  q.consume(9);
  q.takeDue(q.handed(), due);
  EXPECT_EQ(due.size(), 1u);
  q.consume(1);
  q.takeDue(q.handed(), due);
  EXPECT_EQ(due.size(), 2u);
  // Moved into a write request: handed, but due only once confirmed.
  auto moved = q.takeFront(q.segmentCount());
  EXPECT_EQ(q.handed(), 510u);
  q.takeDue(10, due);
  EXPECT_EQ(due.size(), 2u);
  q.takeDue(510, due);
  ASSERT_EQ(due.size(), 3u);
  for (auto& d : due) d(Error());
  EXPECT_EQ(order, (std::vector<std::string>{"before-anything", "after-10", "after-510"}));
}

TEST(OutputQueue, TakeFrontMovesSegmentsWithTheirBytes) {
  OutputQueue q;
  Payload big = Payload::copyOf(std::string(300, 'q'));
  q.appendCopy("head");
  q.append(big);
  q.appendCopy("tail");
  auto moved = q.takeFront(2);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(std::string(moved[0].data, moved[0].size), "head");
  EXPECT_EQ(moved[1].data, big.data());
  EXPECT_EQ(q.bytes(), 4u);
  EXPECT_EQ(contents(q), "tail");
  // What is left: the "tail" block and the segment array.
  EXPECT_LE(q.memory(), OutputQueue::kLargeBlock + 16 * sizeof(OutputQueue::Segment));
}

TEST(OutputQueue, ClearHandsBackEveryWaitingCallbackOnce) {
  OutputQueue q;
  int calls = 0;
  for (int i = 0; i < 5; ++i) {
    q.appendCopy("x");
    q.addCallback([&](const Error&) { ++calls; });
  }
  q.consume(2);
  std::vector<WriteCallback> due;
  q.takeDue(q.handed(), due);
  EXPECT_EQ(due.size(), 2u);
  std::vector<WriteCallback> cancelled;
  q.clear(cancelled);
  EXPECT_EQ(cancelled.size(), 3u);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.hasCallbacks());
  EXPECT_EQ(q.memory(), 0u);
}

TEST(OutputQueue, OpenTailStaysConsistentAcrossConsumeTakeAndShared) {
  OutputQueue q;
  std::string expected;
  auto add = [&](std::string_view bytes) {
    q.appendCopy(bytes);
    expected += bytes;
  };
  add("abc");
  add("def");  // into the same open block
  EXPECT_EQ(q.segmentCount(), 1u);
  q.consume(2);
  expected.erase(0, 2);
  add("ghi");  // still the same block, after a partial consume
  EXPECT_EQ(contents(q), expected);
  Payload big = Payload::copyOf(std::string(300, 'B'));
  q.append(big);  // closes the tail
  expected += big.view();
  add("jk");  // a new block after the shared segment
  EXPECT_EQ(q.segmentCount(), 3u);
  EXPECT_EQ(contents(q), expected);
  auto moved = q.takeFront(q.segmentCount());  // the open tail leaves too
  EXPECT_TRUE(q.empty());
  add("lm");  // a fresh block, not the one moved out
  EXPECT_EQ(contents(q), "lm");
  EXPECT_EQ(q.bytes(), 2u);
}

// Short sends are copied in 16-byte moves from both ends (no loop): every
// size up to the copy limit and past it lands byte for byte, in order, in
// fresh and in partly filled blocks.
TEST(OutputQueue, ShortCopiesOfEverySizeKeepEveryByte) {
  OutputQueue q;
  std::string expected;
  for (std::size_t n = 0; n <= OutputQueue::kCopyLimit + 20; ++n) {
    std::string line;
    for (std::size_t i = 0; i < n; ++i) line.push_back(static_cast<char>('!' + (n * 7 + i) % 90));
    q.append(Payload::copyOf(line));
    q.appendCopy(line);
    expected += line + line;
  }
  EXPECT_EQ(contents(q), expected);
}
