// The pure pieces of a TCP connection's state: the read gate, the close
// sequence, the idle watch, the handler dispatch count and the output queue
// made on first need. The connection tests (integration) cover the I/O each
// answer leads to.
#include <gtest/gtest.h>

#include <vector>

#include "CloseSequence.hpp"
#include "HandlerDispatch.hpp"
#include "IdleWatch.hpp"
#include "LazyOutputQueue.hpp"
#include "ReadGate.hpp"

using uvreactor::detail::CloseSequence;
using uvreactor::detail::HandlerDispatch;
using uvreactor::detail::IdleWatch;
using uvreactor::detail::ReadGate;
using State = CloseSequence::State;

TEST(ReadGate, ReadsOnlyWhenNothingStopsIt) {
  ReadGate gate;
  EXPECT_TRUE(gate.wanted(true, true));
  EXPECT_FALSE(gate.wanted(false, true));  // the close sequence says no
  gate.pause();
  EXPECT_FALSE(gate.wanted(true, true));
  EXPECT_TRUE(gate.wanted(true, false));  // handshaking or draining: read anyway
  gate.resume();
  gate.setAboveHigh(true);
  EXPECT_FALSE(gate.handlerReads());
  EXPECT_FALSE(gate.wanted(true, true));
  gate.setAboveHigh(false);
  gate.yield();
  EXPECT_FALSE(gate.wanted(true, false));  // a yield stops every state
  gate.endYield();
  EXPECT_TRUE(gate.wanted(true, true));
}

TEST(ReadGate, ReportsOnlyChangesOfReading) {
  ReadGate gate;
  EXPECT_FALSE(gate.setReading(false));
  EXPECT_TRUE(gate.setReading(true));
  EXPECT_FALSE(gate.setReading(true));
  EXPECT_TRUE(gate.reading());
  EXPECT_TRUE(gate.setReading(false));
}

TEST(ReadGate, BudgetCountsConsecutiveFullReadsOnly) {
  ReadGate gate;
  constexpr std::size_t full = 100, budget = 250;
  EXPECT_FALSE(gate.countRead(full, full, budget));
  EXPECT_FALSE(gate.countRead(full, full, budget));
  EXPECT_FALSE(gate.countRead(10, full, budget));  // a short read ends the burst
  EXPECT_FALSE(gate.countRead(full, full, budget));
  EXPECT_FALSE(gate.countRead(full, full, budget));
  EXPECT_TRUE(gate.countRead(full, full, budget));
  gate.endYield();  // the next pass starts a new burst
  EXPECT_FALSE(gate.countRead(full, full, budget));
  gate.endBurst();
  EXPECT_FALSE(gate.countRead(full, full, budget));
  EXPECT_FALSE(gate.countRead(full, full, budget));
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(gate.countRead(full, full, 0));  // no budget
}

TEST(CloseSequence, GracefulCloseNeedsBothFins) {
  CloseSequence c;
  EXPECT_FALSE(c.reads());  // not started
  EXPECT_FALSE(c.beginDrain());
  c.open();
  EXPECT_TRUE(c.takesOutput());
  EXPECT_TRUE(c.reads());
  EXPECT_TRUE(c.beginDrain());
  EXPECT_FALSE(c.beginDrain());
  EXPECT_FALSE(c.takesOutput());
  EXPECT_TRUE(c.graceful());
  EXPECT_TRUE(c.reads());  // input is read and dropped while draining
  EXPECT_TRUE(c.finDue());
  EXPECT_TRUE(c.issueShutdown());
  EXPECT_TRUE(c.is(State::ShuttingDown));
  EXPECT_FALSE(c.issueShutdown());  // issued once
  c.shutdownCompleted();
  EXPECT_FALSE(c.bothClosed());
  c.eofReceived();
  EXPECT_FALSE(c.reads());
  EXPECT_TRUE(c.bothClosed());
  EXPECT_TRUE(c.finish());
  EXPECT_FALSE(c.finish());
  EXPECT_FALSE(c.reads());
}

TEST(CloseSequence, HalfCloseKeepsTheConnectionOpen) {
  CloseSequence c;
  c.open();
  EXPECT_FALSE(c.finDue());
  EXPECT_TRUE(c.requestWriteShutdown());
  EXPECT_FALSE(c.requestWriteShutdown());
  EXPECT_FALSE(c.takesOutput());
  EXPECT_TRUE(c.finDue());
  EXPECT_TRUE(c.issueShutdown());
  EXPECT_TRUE(c.isOpen());  // the peer may still send
  c.shutdownCompleted();
  c.eofReceived();
  EXPECT_FALSE(c.bothClosed());  // open: the handler decides, after onEof
  EXPECT_TRUE(c.beginDrain());
  EXPECT_FALSE(c.issueShutdown());
  EXPECT_TRUE(c.bothClosed());
}

TEST(CloseSequence, HandshakeIsNeitherOpenNorGraceful) {
  CloseSequence c;
  c.beginHandshake();
  EXPECT_TRUE(c.reads());
  EXPECT_FALSE(c.takesOutput());
  EXPECT_FALSE(c.beginDrain());
  EXPECT_FALSE(c.requestWriteShutdown());
  EXPECT_EQ(c.cutoff(), CloseSequence::Cutoff::None);
  c.cutOff(CloseSequence::Cutoff::IdleTimeout);
  EXPECT_EQ(c.cutoff(), CloseSequence::Cutoff::IdleTimeout);
}

TEST(IdleWatch, ActivityAndDeliveredOutputPostponeTheTimeout) {
  IdleWatch w;
  w.touch(1000);
  EXPECT_EQ(w.remaining(0, 1400, 1000), 600u);
  EXPECT_EQ(w.remaining(0, 2000, 1000), 0u);      // idle for the whole timeout
  EXPECT_EQ(w.remaining(50, 2000, 1000), 1000u);  // the peer took 50 bytes: active now
  EXPECT_EQ(w.remaining(50, 2500, 1000), 500u);   // no more taken since
  EXPECT_EQ(w.remaining(20, 3000, 1000), 0u);     // fewer (new output queued) is no progress
  w.touch(3100);
  EXPECT_EQ(w.remaining(20, 3100, 1000), 1000u);
}

TEST(HandlerDispatch, HandlerEndWaitsForTheOutermostCallback) {
  HandlerDispatch d;
  EXPECT_FALSE(d.inCallback());
  d.enter();
  d.enter();
  d.deferEnd();
  EXPECT_FALSE(d.leave());  // still inside the outer callback
  EXPECT_TRUE(d.inCallback());
  EXPECT_TRUE(d.leave());
  d.endDone();
  d.enter();
  EXPECT_FALSE(d.leave());  // nothing pending
}

TEST(LazyOutputQueue, QueriesMakeNoQueueAndSendsDo) {
  uvreactor::detail::LazyOutputQueue q;
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.memory(), 0u);
  EXPECT_EQ(q.handed(), 0u);
  EXPECT_FALSE(q.hasBorrowed());
  EXPECT_FALSE(q.hasCallbacks());
  std::vector<uvreactor::WriteCallback> cancelled;
  q.ownBorrowed();
  q.clear(cancelled);
  EXPECT_FALSE(q.made());
  q.appendCopy("hello");
  EXPECT_TRUE(q.made());
  EXPECT_EQ(q.bytes(), 5u);
  EXPECT_GT(q.memory(), 0u);
  q.get().consume(5);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.handed(), 5u);
}
