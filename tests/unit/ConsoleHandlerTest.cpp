// The console's clients and operator, without sockets: ConsoleService and
// ConsoleHandler on FakeConnections, the output recorded.
#include "console/ConsoleHandler.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor;
using namespace uvreactor::protocols::console;
using uvreactor::testing::FakeConnection;

namespace {

struct RecordingOutput final : ConsoleOutput {
  void show(std::string_view line) override { shown.emplace_back(line); }
  void complain(std::string_view line) override { complaints.emplace_back(line); }
  std::vector<std::string> take() { return std::exchange(shown, {}); }
  std::vector<std::string> shown;
  std::vector<std::string> complaints;
};

class ConsoleHandlerTest : public ::testing::Test {
 protected:
  FakeConnection& connect(ConnectionOptions options = {}) {
    auto port = static_cast<uint16_t>(50000 + clients_.size());
    clients_.push_back(std::make_unique<FakeConnection>(options, nullptr, clients_.size() + 1));
    clients_.back()->setPeer(*Endpoint::parse("127.0.0.1:" + std::to_string(port)));
    clients_.back()->open(makeConsoleFactory(service_, 64));
    return *clients_.back();
  }
  void type(std::string_view bytes) { service_.operatorInput(bytes); }

  RecordingOutput out_;
  ConsoleService service_{out_, 256};
  std::vector<std::unique_ptr<FakeConnection>> clients_;
};

}  // namespace

TEST_F(ConsoleHandlerTest, ConnectsAndMessagesAreShownWithNumberAndAddress) {
  auto& a = connect();
  auto& b = connect();
  a.deliver("hello\n");
  b.deliver("你好\r\n");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{
                             "* [1 127.0.0.1:50000] connected",
                             "* [2 127.0.0.1:50001] connected",
                             "[1 127.0.0.1:50000] hello",
                             "[2 127.0.0.1:50001] 你好",
                         }));
}

TEST_F(ConsoleHandlerTest, DataWithoutNewlineIsShownAsItArrivesAndTheReplyHasNone) {
  auto& a = connect();
  out_.take();
  a.deliver("tutorial message");
  a.deliver("second send");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{"[1 127.0.0.1:50000] tutorial message",
                                                   "[1 127.0.0.1:50000] second send"}));
  type("the reply\n");
  EXPECT_EQ(a.takeOutput(), "the reply") << "a client that never sent a newline gets none";
  EXPECT_EQ(out_.take(), (std::vector<std::string>{"* sent to 1"}));
}

TEST_F(ConsoleHandlerTest, RepliesEndTheWayTheClientsLinesDo) {
  auto& lf = connect();
  auto& crlf = connect();
  auto& silent = connect();
  lf.deliver("x\n");
  crlf.deliver("y\r\n");
  type("@1 one\n@2 two\n@3 three\n");
  EXPECT_EQ(lf.takeOutput(), "one\n");
  EXPECT_EQ(crlf.takeOutput(), "two\r\n");
  EXPECT_EQ(silent.takeOutput(), "three\n") << "no message yet: a newline, as nc expects";
}

TEST_F(ConsoleHandlerTest, AClientThatEndsLinesHasItsUnfinishedLineHeldUntilTheNewline) {
  auto& a = connect();
  out_.take();
  a.deliver("first\nsec");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{"[1 127.0.0.1:50000] first"}));
  a.deliver("ond\nthi");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{"[1 127.0.0.1:50000] second"}));
  a.deliverEof();
  EXPECT_EQ(out_.take(),
            (std::vector<std::string>{"[1 127.0.0.1:50000] thi",
                                      "* [1 127.0.0.1:50000] disconnected: closed by the client"}));
  EXPECT_TRUE(a.closed());
}

TEST_F(ConsoleHandlerTest, ControlCharactersAreNeutralisedAndBlankMessagesGetANotice) {
  auto& a = connect();
  out_.take();
  a.deliver("\x1b]0;pwned\x07 hi\n   \n\n");
  a.deliver("\xe3\x80\x80\t\n");
  EXPECT_EQ(out_.take(),
            (std::vector<std::string>{"[1 127.0.0.1:50000] \u241b]0;pwned\u2407 hi",
                                      "* [1 127.0.0.1:50000] sent only whitespace (3 bytes)",
                                      "* [1 127.0.0.1:50000] sent an empty line",
                                      "* [1 127.0.0.1:50000] sent only whitespace (4 bytes)"}));
}

TEST_F(ConsoleHandlerTest, PlainLineGoesToWhoeverSpokeLast) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  b.deliver("b speaks\n");
  c.deliver("c speaks\n");
  a.deliver("a speaks\n");
  type("to a\n");
  b.deliver("b again\n");
  type("to b\n");
  EXPECT_EQ(a.takeOutput(), "to a\n");
  EXPECT_EQ(b.takeOutput(), "to b\n");
  EXPECT_EQ(c.takeOutput(), "");
}

TEST_F(ConsoleHandlerTest, AtAllReachesEveryoneOpenInTheirOwnStyle) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  a.deliver("no newline");
  b.deliver("line\n");
  out_.take();
  type("@all hello all\n");
  EXPECT_EQ(a.takeOutput(), "hello all");
  EXPECT_EQ(b.takeOutput(), "hello all\n");
  EXPECT_EQ(c.takeOutput(), "hello all\n");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{"* sent to all (3 clients)"}));
}

TEST_F(ConsoleHandlerTest, UnknownNumbersBadCommandsAndNoSpeakerAreOneLineErrors) {
  type("nobody spoke\n");
  type("@all nobody here\n");
  auto& a = connect();
  type("@7 hi\n/bogus\n@x hi\n/kick 9\n");
  EXPECT_EQ(out_.complaints, (std::vector<std::string>{
                                 "no client has spoken yet: use @N TEXT or @all TEXT",
                                 "no clients connected",
                                 "no client 7 (/who lists them)",
                                 "unknown command /bogus (/help lists the commands; //TEXT "
                                 "sends /TEXT)",
                                 "bad client number 'x': @N TEXT with N from /who, @all TEXT, "
                                 "or @@TEXT to send @TEXT",
                                 "no client 9 (/who lists them)",
                             }));
  EXPECT_EQ(a.takeOutput(), "") << "nothing reached the client";
}

TEST_F(ConsoleHandlerTest, LastSpeakerWhoLeftIsAnErrorNotSomeoneElse) {
  auto& a = connect();
  auto& b = connect();
  b.deliver("hi\n");
  b.deliverReset();
  type("to b\n");
  ASSERT_EQ(out_.complaints.size(), 1u);
  EXPECT_NE(out_.complaints[0].find("client 2, the last to speak, has left"), std::string::npos);
  EXPECT_EQ(a.takeOutput(), "");
}

TEST_F(ConsoleHandlerTest, KickClosesTheClientAndSaysWhy) {
  auto& a = connect();
  auto& b = connect();
  out_.take();
  type("/kick 1\n");
  EXPECT_TRUE(a.closed());
  EXPECT_FALSE(b.closeRequested());
  EXPECT_EQ(
      out_.take(),
      (std::vector<std::string>{"* [1 127.0.0.1:50000] disconnected: kicked by the operator"}));
  type("@1 still there?\n");
  EXPECT_EQ(out_.complaints, (std::vector<std::string>{"no client 1 (/who lists them)"}));
}

TEST_F(ConsoleHandlerTest, WhoListsTheClientsInOrder) {
  auto& a = connect();
  connect();
  a.deliver("x\ny\n");
  out_.take();
  type("/who\n");
  EXPECT_EQ(out_.take(), (std::vector<std::string>{
                             "* 2 clients, 1 spoke last",
                             "*   [1 127.0.0.1:50000] 2 messages, 0 bytes queued",
                             "*   [2 127.0.0.1:50001] 0 messages, 0 bytes queued",
                         }));
}

TEST_F(ConsoleHandlerTest, TooLongLineIsRefusedAndClosesAsInChat) {
  auto& a = connect();
  auto& lines = connect();
  lines.deliver("ok\n");
  out_.take();
  a.deliver(std::string(65, 'x'));  // no newline, one read: a 65-byte message
  EXPECT_EQ(a.takeOutput(), "! line too long\n");
  EXPECT_TRUE(a.closed());
  lines.deliver(std::string(40, 'y'));
  lines.deliver(std::string(40, 'y'));  // an unfinished line past 64 bytes
  EXPECT_TRUE(lines.closed());
  EXPECT_EQ(out_.take(), (std::vector<std::string>{
                             "* [1 127.0.0.1:50000] disconnected: line too long",
                             "* [2 127.0.0.1:50001] disconnected: line too long",
                         }));
}

TEST_F(ConsoleHandlerTest, ReasonsForOtherClosesAreShown) {
  ConnectionOptions options;
  auto& a = connect(options);
  a.deliverReset();
  auto& b = connect();
  service_.setStopping();
  b.close();
  auto shown = out_.take();
  ASSERT_EQ(shown.size(), 4u);
  EXPECT_EQ(shown[1].rfind("* [1 127.0.0.1:50000] disconnected: ", 0), 0u) << shown[1];
  EXPECT_GT(shown[1].size(), std::string("* [1 127.0.0.1:50000] disconnected: ").size());
  EXPECT_EQ(shown[3], "* [2 127.0.0.1:50001] disconnected: server shutting down");
}

TEST_F(ConsoleHandlerTest, OperatorLinesArriveInAnyPiecesAndTooLongOnesAreDropped) {
  auto& a = connect();
  a.deliver("x\n");
  type("par");
  EXPECT_EQ(a.takeOutput(), "") << "half a line is held, and sends nothing";
  type("tial\r\n@1 next\n");
  EXPECT_EQ(a.takeOutput(), "partial\nnext\n");
  type(std::string(200, 'z'));
  type(std::string(200, 'z'));  // past the 256-byte operator line limit
  type("zz\nafter\n");
  EXPECT_EQ(a.takeOutput(), "after\n") << "the long line is dropped whole, the next one sent";
  ASSERT_EQ(out_.complaints.size(), 1u);
  EXPECT_EQ(out_.complaints[0], "line over 256 bytes: not sent");
}

TEST_F(ConsoleHandlerTest, EndOfInputRunsTheLastLineAndSaysTheConsoleIsClosed) {
  auto& a = connect();
  a.deliver("x\n");
  type("no newline at the end");
  service_.operatorInputEnded(Error());
  EXPECT_EQ(a.takeOutput(), "no newline at the end\n");
  ASSERT_EQ(out_.complaints.size(), 1u);
  EXPECT_NE(out_.complaints[0].find("console closed (end of input)"), std::string::npos);
  EXPECT_FALSE(a.closeRequested()) << "the clients are still served";
}

TEST_F(ConsoleHandlerTest, AClientThatNeverReadsHoldsUpNoOneElse) {
  ConnectionOptions options;
  options.maxQueuedBytes = 64 * 1024;
  options.highWaterMark = 32 * 1024;
  options.lowWaterMark = 16 * 1024;
  auto& stuck = connect(options);
  auto& fine = connect(options);
  stuck.setPeerReading(false);
  std::string big(200, 'b');
  for (int i = 0; i < 400 && !stuck.closed(); ++i) {
    type("@all " + big + "\n");
    stuck.settle();
  }
  EXPECT_TRUE(stuck.closed());
  EXPECT_EQ(stuck.closeReason().kind(), ErrorKind::SlowConsumer);
  type("@all still here\n");
  std::string got = fine.takeOutput();
  EXPECT_EQ(got.substr(got.size() - 11), "still here\n");
  EXPECT_FALSE(fine.closeRequested());
}
