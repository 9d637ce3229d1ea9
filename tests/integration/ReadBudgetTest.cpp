// The read budget: a peer with more input waiting than one read buffer gets
// one full read per pass of the loop, then yields to the other connections
// until the next pass (ConnectionOptions::readBudgetBytes). Counted per pass
// with a check handle on the loop, so the test is exact rather than timed:
// without the budget libuv reads the same peer up to 32 times per wake-up.
#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpListener.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

constexpr std::size_t kFlood = 16 << 20;

// Loop-thread state: reads seen since the last check phase, the most seen in
// one pass, and the bytes read in all.
struct ReadCount {
  std::size_t thisPass = 0;
  std::size_t maxPerPass = 0;
  std::atomic<std::size_t> bytes{0};
  int slowPasses = 0;
};

class CountingHandler final : public ConnectionHandler {
 public:
  explicit CountingHandler(ReadCount& count) : count_(count) {}
  void onData(Connection&, std::string_view bytes) override {
    ++count_.thisPass;
    count_.bytes += bytes.size();
  }

 private:
  ReadCount& count_;
};

class ReadBudget : public ::testing::Test {
 protected:
  // Floods one connection with kFlood bytes and returns the most reads the
  // loop made from it in one pass.
  std::size_t maxReadsPerPass(std::size_t budget) {
    ListenerOptions options;
    options.connection.readBudgetBytes = budget;
    auto listener = loop_.call([&] {
      check_.data = &count_;
      uv_check_init(loop_.loop().raw(), &check_);
      // After every poll phase: close the pass, and for the first passes
      // let the kernel's receive buffer fill up meanwhile, so that reads
      // come back full.
      uv_check_start(&check_, [](uv_check_t* c) {
        auto* count = static_cast<ReadCount*>(c->data);
        count->maxPerPass = std::max(count->maxPerPass, count->thisPass);
        count->thisPass = 0;
        if (count->slowPasses++ < 200) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      });
      uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
      return std::move(*TcpListener::listen(
          loop_.loop(), *Endpoint::parse("127.0.0.1:0"),
          [this](Connection&) { return std::make_unique<CountingHandler>(count_); }, options));
    });
    SocketClient flooder(listener->localEndpoint());
    EXPECT_TRUE(flooder.sendAll(std::string(kFlood, 'x')));
    for (int i = 0; i < 1000 && count_.bytes < kFlood; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(count_.bytes, kFlood) << "input lost or not read";
    flooder.close();
    return loop_.call([&] {
      listener.reset();
      uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
      return count_.maxPerPass;
    });
  }
  void TearDown() override {
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }

  LoopThread loop_;
  ReadCount count_;
  uv_check_t check_{};
};

TEST_F(ReadBudget, OneFullReadPerPassByDefault) {
  EXPECT_EQ(maxReadsPerPass(ConnectionOptions{}.readBudgetBytes), 1u);
}

TEST_F(ReadBudget, ALargerBudgetAllowsThatManyFullReads) {
  std::size_t reads = maxReadsPerPass(4 * Loop::kSlabSize);
  EXPECT_LE(reads, 4u);
  EXPECT_GE(reads, 2u) << "the kernel never had two full reads waiting: the test proves nothing";
}

TEST_F(ReadBudget, ZeroLeavesLibuvReadingUntilTheSocketIsEmpty) {
  // The contrast that shows the count can fail: without a budget libuv
  // reads on while reads come back full (up to 32). How many are waiting
  // depends on the kernel's receive buffer at that moment: under ASan it was
  // 2 or 3 in about one run of six (here and on the code before this test
  // was relaxed from "more than 4"), so only "more than the default's one"
  // is asserted; that is what makes OneFullReadPerPassByDefault meaningful.
  EXPECT_GT(maxReadsPerPass(0), 1u);
}

}  // namespace
