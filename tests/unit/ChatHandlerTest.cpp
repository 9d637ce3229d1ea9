#include "chat/ChatHandler.hpp"
#include "chat/LineChatRenderer.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <algorithm>

#include <memory>
#include <sstream>
#include <vector>

#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor;
using namespace uvreactor::protocols::chat;
using uvreactor::testing::FakeConnection;

namespace {

class ChatHandlerTest : public ::testing::Test {
 protected:
  FakeConnection& connect(ConnectionOptions options = {}) {
    clients_.push_back(std::make_unique<FakeConnection>(options, nullptr, clients_.size() + 1));
    clients_.back()->open(makeChatFactory(service_, 64));
    return *clients_.back();
  }
  static std::vector<std::string> lines(FakeConnection& c) {
    std::vector<std::string> out;
    std::istringstream in(c.takeOutput());
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  static std::string nickOf(FakeConnection& c) {
    return static_cast<ChatHandler*>(c.handler())->nick();
  }

  ChatRoomService service_;
  std::vector<std::unique_ptr<FakeConnection>> clients_;
};

}  // namespace

TEST_F(ChatHandlerTest, WelcomeNamesTheGuestAndPointsToHelp) {
  auto& a = connect();
  auto out = lines(a);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("* ", 0), 0u);
  EXPECT_NE(out[0].find("guest1"), std::string::npos);
  EXPECT_NE(out[0].find("/help"), std::string::npos);
  EXPECT_NE(out[0].find("lobby"), std::string::npos);
}

TEST_F(ChatHandlerTest, LinesGoToEveryoneElseInTheRoomOnly) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  lines(a), lines(b), lines(c);
  a.deliver("hello all\r\n");
  EXPECT_TRUE(lines(a).empty()) << "the sender gets no copy";
  EXPECT_EQ(lines(b), (std::vector<std::string>{"guest1: hello all"}));
  EXPECT_EQ(lines(c), (std::vector<std::string>{"guest1: hello all"}));
}

TEST_F(ChatHandlerTest, JoinAndLeaveAreAnnounced) {
  auto& a = connect();
  lines(a);
  auto& b = connect();
  EXPECT_EQ(lines(a), (std::vector<std::string>{"* guest2 joined"}));
  b.deliverReset();  // vanished without /quit
  EXPECT_EQ(lines(a), (std::vector<std::string>{"* guest2 left"}));
  EXPECT_EQ(service_.memberCount(), 1u);
}

TEST_F(ChatHandlerTest, NickChangeClashAndInvalid) {
  auto& a = connect();
  auto& b = connect();
  lines(a), lines(b);
  a.deliver("/nick alice\n");
  EXPECT_EQ(lines(a), (std::vector<std::string>{"* you are now alice"}));
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* guest1 is now alice"}));
  b.deliver("/nick alice\n");
  auto clash = lines(b);
  ASSERT_EQ(clash.size(), 1u);
  EXPECT_EQ(clash[0], "! nick alice is taken");
  EXPECT_EQ(nickOf(b), "guest2");
  b.deliver("/nick bad:name\n");
  EXPECT_EQ(lines(b)[0].rfind("! ", 0), 0u);
  EXPECT_EQ(nickOf(b), "guest2");
  EXPECT_TRUE(lines(a).empty());
}

TEST_F(ChatHandlerTest, RoomsWhoJoinMsgMeHelp) {
  auto& a = connect();
  auto& b = connect();
  auto& c = connect();
  a.deliver("/nick alice\n/join dev\n");
  lines(a), lines(b), lines(c);
  b.deliver("/rooms\n");
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* rooms: dev (1), lobby (2)"}));
  b.deliver("/who\n");
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* in lobby: guest2, guest3"}));
  b.deliver("in lobby only\n");
  EXPECT_TRUE(lines(a).empty()) << "alice is in dev";
  EXPECT_EQ(lines(c), (std::vector<std::string>{"guest2: in lobby only"}));
  b.deliver("/msg alice psst\n");
  EXPECT_EQ(lines(a), (std::vector<std::string>{"[private] guest2: psst"}));
  EXPECT_EQ(lines(b)[0].rfind("* ", 0), 0u);
  b.deliver("/msg nobody hi\n");
  EXPECT_EQ(lines(b), (std::vector<std::string>{"! no such nick: nobody"}));
  c.deliver("/me waves\n");
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* guest3 waves"}));
  c.deliver("/join dev\n");
  EXPECT_EQ(lines(a), (std::vector<std::string>{"* guest3 joined"}));
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* guest3 left"}));
  EXPECT_EQ(lines(c), (std::vector<std::string>{"* you joined dev (2 members)"}));
  a.deliver("/help\n");
  auto help = lines(a);
  ASSERT_FALSE(help.empty());
  for (const auto& l : help) EXPECT_EQ(l.rfind("* ", 0), 0u);
  EXPECT_NE(help[0].find("/nick"), std::string::npos);
}

TEST_F(ChatHandlerTest, UnknownCommandAndUsageErrors) {
  auto& a = connect();
  lines(a);
  a.deliver("/dance\n/join\n");
  auto out = lines(a);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "! unknown command /dance; type /help for commands");
  EXPECT_EQ(out[1], "! usage: /join ROOM");
  EXPECT_FALSE(a.closeRequested());
}

TEST_F(ChatHandlerTest, QuitSaysGoodbyeClosesAndIgnoresTheRest) {
  auto& a = connect();
  auto& b = connect();
  lines(a), lines(b);
  a.deliver("/quit\nnot delivered\n");
  EXPECT_EQ(lines(a), (std::vector<std::string>{"* goodbye"}));
  EXPECT_TRUE(a.closed());
  EXPECT_FALSE(a.aborted());
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* guest1 left"}));
}

TEST_F(ChatHandlerTest, LongLineIsRefusedAndClosesOnlyThatClient) {
  auto& a = connect();
  auto& b = connect();
  lines(a), lines(b);
  a.deliver(std::string(65, 'x') + "\n");  // limit is 64 in this fixture
  auto out = lines(a);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("! line too long", 0), 0u);
  EXPECT_TRUE(a.closed());
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* guest1 left"}));
  b.deliver("/who\n");
  EXPECT_EQ(lines(b), (std::vector<std::string>{"* in lobby: guest2"}));
}

TEST_F(ChatHandlerTest, ControlCharactersAreNeutralizedOtherBytesPassNotFatal) {
  auto& a = connect();
  auto& b = connect();
  lines(a), lines(b);
  // NUL, SOH, invalid UTF-8, an ANSI clear-screen, CR, BS, DEL, a C1 CSI in
  // UTF-8, a tab and real UTF-8 text.
  std::string garbage("\x00\x01\xfe\xff\x1b[2J\r\b\x7f\xc2\x9b\tcaf\xc3\xa9", 19);
  a.deliver(garbage + "\n");
  EXPECT_EQ(b.takeOutput(), "guest1: ??\xfe\xff?[2J????\tcaf\xc3\xa9\n");
  a.deliver("/me \x1b]0;pwned\x07\n");
  EXPECT_EQ(b.takeOutput(), "* guest1 ?]0;pwned?\n");
  a.deliver("/msg guest2 \x1b[31mred\n");
  EXPECT_EQ(b.takeOutput(), "[private] guest1: ?[31mred\n");
  EXPECT_FALSE(a.closeRequested());
}

TEST_F(ChatHandlerTest, SlowReaderIsDroppedAndTheRoomCarriesOn) {
  ConnectionOptions tight;
  tight.maxQueuedBytes = 200;
  tight.highWaterMark = 100;
  tight.lowWaterMark = 50;
  auto& slow = connect(tight);
  auto& a = connect();
  auto& b = connect();
  lines(slow), lines(a), lines(b);
  slow.setPeerReading(false);
  for (int i = 0; i < 20; ++i) a.deliver("message number " + std::to_string(i) + "\n");
  EXPECT_TRUE(slow.aborted());
  slow.settle();  // the loop would run its close callback next
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(slow.closeReason().code(), UV_ENOBUFS);
  auto seen = lines(b);
  ASSERT_EQ(seen.size(), 21u);  // 20 lines and the slow reader's departure
  EXPECT_EQ(seen[19], "guest2: message number 19");
  EXPECT_EQ(seen.back(), "* guest1 left");
}

TEST_F(ChatHandlerTest, BroadcastSharesOneBuffer) {
  ChatRoomService service;
  std::vector<std::unique_ptr<FakeConnection>> queued;
  // Receivers that do not read keep their queued output; the real connection
  // holds Payload references the same way, which use_count reveals.
  struct Holder final : Connection {
    void send(std::string_view) override {}
    void send(const Payload& p) override { held.push_back(p); }
    void send(const Payload& p, WriteCallback) override { held.push_back(p); }
    void close() override {}
    void abort() override {}
    void shutdownWrite() override {}
    void pauseReading() override {}
    void resumeReading() override {}
    std::size_t queuedBytes() const override { return 0; }
    bool isOpen() const override { return true; }
    const Endpoint& peer() const override { return peer_; }
    uint64_t id() const override { return 0; }
    std::vector<Payload> held;
    Endpoint peer_;
  };
  std::vector<Holder> members(50);
  for (auto& m : members) service.join(m, LineChatRenderer::instance());
  for (auto& m : members) m.held.clear();  // the join notices
  service.deliver(RoomEvent{RoomEventKind::Said, "lobby", "guest1", "x", {}, {}}, nullptr);
  ASSERT_EQ(members[0].held.size(), 1u);
  EXPECT_EQ(members[0].held[0].view(), "guest1: x\n");
  EXPECT_EQ(members[0].held[0].useCount(), 50);
  EXPECT_EQ(members[0].held[0].data(), members[49].held[0].data());
}
