// IRC channel modes (MODE #channel ...): the query, +t and +s, +o and +v
// for a member, the always-empty ban list, and the error replies, on
// in-process sessions (FakeConnection) sharing one room service.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "chat/ChatRoomService.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor;
using uvreactor::protocols::chat::ChatRoomService;
using uvreactor::protocols::irc::IrcFrontEnd;
using uvreactor::testing::FakeConnection;

namespace {

class IrcChannelModeTest : public ::testing::Test {
 protected:
  FakeConnection& client(const std::string& nick) {
    clients_.push_back(std::make_unique<FakeConnection>());
    FakeConnection& c = *clients_.back();
    c.open(frontEnd_.factory());
    say(c, "NICK " + nick);
    say(c, "USER " + nick + " 0 * :" + nick);
    c.takeOutput();
    return c;
  }
  static void say(FakeConnection& c, const std::string& line) { c.deliver(line + "\r\n"); }
  // The lines `c` got since last asked.
  static std::vector<std::string> lines(FakeConnection& c) {
    std::vector<std::string> out;
    std::istringstream in(c.takeOutput());
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      out.push_back(l);
    }
    return out;
  }
  // What `c` gets for `line`.
  static std::vector<std::string> ask(FakeConnection& c, const std::string& line) {
    say(c, line);
    return lines(c);
  }
  using Lines = std::vector<std::string>;
  // alice opens #den (and operates it), bob joins; carol is in no channel.
  void openDen() {
    say(alice_, "JOIN #den");
    say(bob_, "JOIN #den");
    lines(alice_), lines(bob_);
  }

  Loop loop_;
  ChatRoomService rooms_;
  IrcFrontEnd frontEnd_{loop_, rooms_, {}};
  std::vector<std::unique_ptr<FakeConnection>> clients_;
  FakeConnection& alice_ = client("alice");
  FakeConnection& bob_ = client("bob");
  FakeConnection& carol_ = client("carol");
};

TEST_F(IrcChannelModeTest, TheQueryShowsTheTopicLockOnANewChannel) {
  openDen();
  EXPECT_EQ(ask(alice_, "MODE #den"), (Lines{":uvreactor 324 alice #den :+nt"}));
  EXPECT_EQ(ask(alice_, "MODE #nowhere"),
            (Lines{":uvreactor 403 alice #nowhere :No such channel"}));
}

TEST_F(IrcChannelModeTest, AnOperatorChangesTopicLockAndSecrecyOnceEach) {
  openDen();
  EXPECT_EQ(ask(alice_, "MODE #den +s-t"), (Lines{":alice!~alice@127.0.0.1 MODE #den +s",
                                                  ":alice!~alice@127.0.0.1 MODE #den -t"}));
  EXPECT_EQ(lines(bob_), (Lines{":alice!~alice@127.0.0.1 MODE #den +s",
                                ":alice!~alice@127.0.0.1 MODE #den -t"}));
  EXPECT_EQ(ask(alice_, "MODE #den +s-tn"), Lines{}) << "nothing changes, nothing is told";
  EXPECT_EQ(ask(alice_, "MODE #den"), (Lines{":uvreactor 324 alice #den :+ns"}));
}

TEST_F(IrcChannelModeTest, OnlyAnOperatorOnTheChannelMayChangeIt) {
  openDen();
  EXPECT_EQ(ask(bob_, "MODE #den -t"),
            (Lines{":uvreactor 482 bob #den :You're not channel operator"}));
  EXPECT_EQ(ask(carol_, "MODE #den -t"),
            (Lines{":uvreactor 482 carol #den :You're not channel operator"}));
  EXPECT_EQ(ask(bob_, "MODE #den +x"), (Lines{":uvreactor 472 bob x :is unknown mode char to me"}))
      << "an unknown mode is refused before the operator check";
  EXPECT_EQ(lines(alice_), Lines{});
}

TEST_F(IrcChannelModeTest, OperatorAndVoiceGoToMembersOfTheChannel) {
  openDen();
  EXPECT_EQ(ask(alice_, "MODE #den +v BOB"), (Lines{":alice!~alice@127.0.0.1 MODE #den +v bob"}));
  EXPECT_EQ(ask(alice_, "MODE #den +v bob"), Lines{}) << "already voiced";
  EXPECT_EQ(ask(alice_, "MODE #den +o bob"), (Lines{":alice!~alice@127.0.0.1 MODE #den +o bob"}));
  EXPECT_EQ(lines(bob_), (Lines{":alice!~alice@127.0.0.1 MODE #den +v bob",
                                ":alice!~alice@127.0.0.1 MODE #den +o bob"}));
  EXPECT_EQ(ask(bob_, "MODE #den -o alice"), (Lines{":bob!~bob@127.0.0.1 MODE #den -o alice"}))
      << "bob operates the channel now";
  EXPECT_EQ(lines(alice_), (Lines{":bob!~bob@127.0.0.1 MODE #den -o alice"}));
  EXPECT_EQ(ask(alice_, "MODE #den -t"),
            (Lines{":uvreactor 482 alice #den :You're not channel operator"}));
}

TEST_F(IrcChannelModeTest, AMissingOrWrongNickEndsTheCommand) {
  openDen();
  EXPECT_EQ(ask(alice_, "MODE #den +o"),
            (Lines{":uvreactor 461 alice MODE :Not enough parameters"}));
  EXPECT_EQ(ask(alice_, "MODE #den +ov nobody bob"),
            (Lines{":uvreactor 401 alice nobody :No such nick/channel"}));
  EXPECT_EQ(ask(alice_, "MODE #den +vs carol"),
            (Lines{":uvreactor 441 alice carol #den :They aren't on that channel"}));
  EXPECT_EQ(ask(alice_, "MODE #den"), (Lines{":uvreactor 324 alice #den :+nt"}))
      << "nothing after the error was applied";
  EXPECT_EQ(lines(bob_), Lines{});
}

TEST_F(IrcChannelModeTest, TheBanListIsEmptyAndCannotBeSet) {
  openDen();
  EXPECT_EQ(ask(alice_, "MODE #den b"),
            (Lines{":uvreactor 368 alice #den :End of channel ban list"}));
  EXPECT_EQ(ask(alice_, "MODE #den +b mask"),
            (Lines{":uvreactor 482 alice #den :You're not channel operator"}));
}

}  // namespace
