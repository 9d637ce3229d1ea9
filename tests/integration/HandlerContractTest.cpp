// The contract a handler sees, checked on every connection it can live on:
// testing::FakeConnection (what handler unit tests use), a real loopback
// connection, and a real TLS one (TLS is the connection's, not the
// handler's). Each scenario runs the same steps on both and expects the
// same journal of callbacks, so the fake follows the real connection: sends,
// close, abort, half-close, idle with output that makes no progress, water
// marks, a throwing handler, a peer's reset.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/ConnectionHarness.hpp"
#if UVR_TEST_TLS
#include "support/TlsConnectionHarness.hpp"
#endif
#include "uvreactor/Payload.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

const char* kindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::None:
      return "ok";
    case ErrorKind::Reset:
      return "reset";
    case ErrorKind::TimedOut:
      return "timed out";
    case ErrorKind::SlowConsumer:
      return "slow consumer";
    case ErrorKind::TooLong:
      return "too long";
    case ErrorKind::Cancelled:
      return "cancelled";
    case ErrorKind::Refused:
      return "refused";
    case ErrorKind::AddressInUse:
      return "address in use";
    case ErrorKind::Other:
      break;
  }
  return "other";
}

// Journals every callback and does what each input line asks.
class ContractHandler final : public ConnectionHandler {
 public:
  explicit ContractHandler(std::vector<std::string>& journal) : journal_(journal) {}
  void onOpen(Connection&) override { journal_.push_back("open"); }
  void onData(Connection& c, std::string_view bytes) override {
    std::string command(bytes);
    journal_.push_back("data " + command);
    auto report = [this](const Error& e) {
      journal_.push_back(std::string("write ") + kindName(e.kind()));
    };
    if (command == "echo") {
      c.send(Payload::copyOf("echo"), report);
    } else if (command == "close") {
      c.send("bye");
      c.close();
      c.send("dropped");
    } else if (command == "abort") {
      c.send(Payload::copyOf(std::string(8 << 20, 'a')), report);
      c.abort();
    } else if (command == "half") {
      c.send("bye");
      c.shutdownWrite();
      c.send("dropped");
    } else if (command == "big") {
      // 8 MiB: more than the kernel's buffers hold for a peer that reads nothing.
      for (int i = 0; i < 15; ++i) c.send(Payload::copyOf(std::string(512 << 10, 'b')));
      c.send(Payload::copyOf(std::string(512 << 10, 'b')), report);
    } else if (command == "throw") {
      throw std::runtime_error("scenario throws");
    }
  }
  void onEof(Connection& c) override {
    journal_.push_back("eof");
    c.close();
  }
  void onHighWater(Connection&) override { journal_.push_back("high"); }
  void onLowWater(Connection&) override { journal_.push_back("low"); }
  void onClose(Connection&, const Error& reason) override {
    journal_.push_back(std::string("close ") + kindName(reason.kind()));
  }

 private:
  std::vector<std::string>& journal_;
};

template <class Harness>
class HandlerContract : public ::testing::Test {
 protected:
  void open(ConnectionOptions options = {}) {
    harness_.open(options,
                  [this](Connection&) { return std::make_unique<ContractHandler>(journal_); });
  }
  void TearDown() override {
    Error closed = harness_.close();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }
  using Journal = std::vector<std::string>;

  Harness harness_;
  // Written on the loop thread of the loopback harness; read after settle(),
  // which synchronises with it.
  Journal journal_;
};

struct HarnessName {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};

#if UVR_TEST_TLS
using Harnesses = ::testing::Types<FakeHarness, LoopbackHarness, TlsLoopbackHarness>;
#else
using Harnesses = ::testing::Types<FakeHarness, LoopbackHarness>;
#endif
TYPED_TEST_SUITE(HandlerContract, Harnesses, HarnessName);

}  // namespace

TYPED_TEST(HandlerContract, SendReachesThePeerAndReportsCompletion) {
  this->open();
  this->harness_.send("echo");
  this->harness_.settle();
  EXPECT_EQ(this->harness_.received(), "echo");
  EXPECT_EQ(this->journal_, (typename TestFixture::Journal{"open", "data echo", "write ok"}));
}

TYPED_TEST(HandlerContract, CloseFlushesWhatWasSentAndDropsLaterSends) {
  this->open();
  this->harness_.send("close");
  this->harness_.sendEof();  // the peer answers the server's FIN with its own
  this->harness_.settle();
  EXPECT_EQ(this->harness_.received(), "bye");
  EXPECT_EQ(this->journal_, (typename TestFixture::Journal{"open", "data close", "close ok"}));
}

TYPED_TEST(HandlerContract, AbortCancelsQueuedWrites) {
  this->open();
  this->harness_.setReading(false);
  this->harness_.send("abort");
  this->harness_.settle();
  EXPECT_EQ(this->journal_, (typename TestFixture::Journal{"open", "data abort", "high",
                                                           "write cancelled", "close ok"}));
}

TYPED_TEST(HandlerContract, HalfCloseStillReadsUntilThePeerFinishes) {
  this->open();
  this->harness_.send("half");
  this->harness_.send("more");
  this->harness_.sendEof();
  this->harness_.settle();
  EXPECT_EQ(this->harness_.received(), "bye");
  EXPECT_EQ(this->journal_,
            (typename TestFixture::Journal{"open", "data half", "data more", "eof", "close ok"}));
}

TYPED_TEST(HandlerContract, WaterMarksAreCrossedOnceEachWay) {
  ConnectionOptions options;
  options.highWaterMark = 1 << 20;
  options.lowWaterMark = 0;  // low only once everything is written
  options.maxQueuedBytes = 64 << 20;
  this->open(options);
  this->harness_.setReading(false);
  this->harness_.send("big");
  this->harness_.send("ignored while above the high-water mark");
  this->harness_.setReading(true);
  for (int i = 0; i < 20 && this->harness_.received().size() < (8u << 20); ++i) {
    this->harness_.settle();
  }
  EXPECT_EQ(this->harness_.received().size(), 8u << 20);
  this->harness_.settle();
  ASSERT_GE(this->journal_.size(), 4u);
  EXPECT_EQ(this->journal_[0], "open");
  EXPECT_EQ(this->journal_[1], "data big");
  EXPECT_EQ(this->journal_[2], "high");
  // Reading resumed: the line sent while paused arrives after "low".
  EXPECT_EQ(std::vector<std::string>(this->journal_.begin() + 3, this->journal_.end()),
            (std::vector<std::string>{"write ok", "low",
                                      "data ignored while above the high-water mark"}));
}

// Output that makes no progress is not activity: a peer that stops reading
// while the handler keeps sending is still idle.
TYPED_TEST(HandlerContract, IdleTimeoutCountsProgressNotSends) {
  ConnectionOptions options;
  options.idleTimeoutMs = 600;
  options.highWaterMark = 64 << 20;
  options.maxQueuedBytes = 64 << 20;
  this->open(options);
  this->harness_.setReading(false);
  this->harness_.send("big");  // fills the kernel's buffers
  for (int i = 0; i < 6; ++i) {
    this->harness_.act([](Connection& c) { c.send("tick"); });
    this->harness_.elapse(200);
  }
  this->harness_.settle();
  EXPECT_EQ(this->journal_, (typename TestFixture::Journal{"open", "data big", "write cancelled",
                                                           "close timed out"}));
}

TYPED_TEST(HandlerContract, AThrowingHandlerEndsItsConnection) {
  this->open();
  this->harness_.send("throw");
  this->harness_.settle();
  EXPECT_EQ(this->journal_,
            (typename TestFixture::Journal{"open", "data throw", "close cancelled"}));
}

TYPED_TEST(HandlerContract, APeerResetIsReported) {
  this->open();
  this->harness_.send("echo");
  this->harness_.reset();
  this->harness_.settle();
  EXPECT_EQ(this->journal_,
            (typename TestFixture::Journal{"open", "data echo", "write ok", "close reset"}));
}
