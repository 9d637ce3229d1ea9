#include "echo/EchoHandler.hpp"

#include <gtest/gtest.h>

#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor;
using uvreactor::testing::FakeConnection;

TEST(EchoHandler, SendsBackEveryByteInOrder) {
  FakeConnection c;
  c.open(protocols::echo::makeEchoFactory());
  c.deliver("hello ");
  c.deliver(std::string("\0binary\xff", 8));
  EXPECT_EQ(c.takeOutput(), std::string("hello \0binary\xff", 14));
  EXPECT_FALSE(c.closeRequested());
}

TEST(EchoHandler, PeerHalfCloseFlushesThenCloses) {
  FakeConnection c;
  c.open(protocols::echo::makeEchoFactory());
  c.setPeerReading(false);
  c.deliver("queued");
  EXPECT_EQ(c.queuedBytes(), 6u);
  c.deliverEof();
  EXPECT_TRUE(c.closeRequested());
  EXPECT_FALSE(c.aborted());
  EXPECT_FALSE(c.closed()) << "a graceful close waits for queued output";
  c.setPeerReading(true);
  EXPECT_EQ(c.output(), "queued");
  EXPECT_TRUE(c.closed());
}

TEST(EchoHandler, PastHighWaterReadingPausesUntilDrained) {
  ConnectionOptions options;
  options.highWaterMark = 10;
  options.lowWaterMark = 0;
  FakeConnection c(options);
  c.open(protocols::echo::makeEchoFactory());
  c.setPeerReading(false);
  c.deliver("0123456789A");  // 11 bytes > high water
  EXPECT_TRUE(c.readingPaused());
  c.deliver("held while paused");  // not read yet: it waits, as in the kernel
  EXPECT_EQ(c.queuedBytes(), 11u);
  c.setPeerReading(true);
  EXPECT_FALSE(c.readingPaused());
  EXPECT_EQ(c.takeOutput(), "0123456789Aheld while paused");
}
