// Chat rooms shared by several uvreactor-server processes through a real
// redis-server: the behaviour across servers, then the faults (Redis killed,
// restarted empty, stopped; a server killed; garbage on a room channel).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <memory>
#include <regex>
#include <thread>
#include <utility>

#include "support/ChatClient.hpp"
#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

class Backplane : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_.available()) GTEST_SKIP() << redis_.why();
  }
  void TearDown() override {
    for (auto& server : servers_) {
      if (!server) continue;
      server->signal(SIGTERM);
      EXPECT_EQ(server->wait(), 0) << server->stderrText();
    }
  }
  ServerProcess& startServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--protocol",  "chat",
                                  "--listen",    "127.0.0.1:0",
                                  "--backplane", "redis://" + redis_.endpoint().toString() + "/t"};
    args.insert(args.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ServerProcess>(args));
    EXPECT_TRUE(servers_.back()->ready()) << servers_.back()->stderrText();
    return *servers_.back();
  }
  std::unique_ptr<ChatClient> connect(std::size_t server) {
    auto client = std::make_unique<ChatClient>(servers_.at(server)->tcp[0]);
    EXPECT_TRUE(client->connected());
    return client;
  }
  // Every server with a member in `room` has subscribed to it in Redis:
  // from here on, what one says there reaches all of them.
  void waitSubscribed(const std::string& room, std::size_t servers) {
    std::string want = std::to_string(servers);
    for (int i = 0; i < 200; ++i) {
      std::string out = redis_.cli({"PUBSUB", "NUMSUB", "t:room:" + room});
      if (out.substr(out.rfind('\n') + 1) == want) return;
      std::this_thread::sleep_for(25ms);
    }
    ADD_FAILURE() << servers << " servers never all subscribed to " << room;
  }

  // Two servers; alice on the first, bob on the second, both in the lobby
  // and heard by each other.
  std::pair<std::unique_ptr<ChatClient>, std::unique_ptr<ChatClient>> aliceAndBob() {
    startServer();
    startServer();
    auto alice = connect(0);
    EXPECT_TRUE(alice->rename("alice"));
    auto bob = connect(1);
    EXPECT_TRUE(bob->rename("bob"));
    waitSubscribed("lobby", 2);
    return {std::move(alice), std::move(bob)};
  }

  RedisServer redis_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

}  // namespace

TEST_F(Backplane, ThreeServersDeliverEveryLineExactlyOnceInEachSendersOrder) {
  constexpr int kLines = 40;
  for (int s = 0; s < 3; ++s) startServer();
  std::vector<std::unique_ptr<ChatClient>> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(connect(static_cast<std::size_t>(i % 3)));
    std::string name = "c";
    name += std::to_string(i);
    ASSERT_TRUE(clients.back()->rename(name));
  }
  waitSubscribed("lobby", 3);
  for (int n = 0; n < kLines; ++n) {
    for (auto& c : clients) {
      std::string line = "line ";
      line += std::to_string(n);
      c->say(line);
    }
  }
  std::regex said("(c[0-9]): line ([0-9]+)");
  for (auto& c : clients) {
    std::map<std::string, int> next;  // sender -> the line number expected next
    int got = 0;
    auto all = c->waitFor(
        [&](const std::string& l) {
          std::smatch m;
          if (!std::regex_match(l, m, said)) return false;
          EXPECT_NE(m[1], c->nick) << "a member heard its own line";
          EXPECT_EQ(std::stoi(m[2]), next[m[1]]++) << c->nick << " got " << l << " out of order";
          return ++got == 5 * kLines;
        },
        20s);
    ASSERT_TRUE(all) << c->nick << " got " << got << " of " << 5 * kLines;
    c->drain(300ms);
    for (const auto& [sender, n] : next) EXPECT_EQ(n, kLines) << sender << " to " << c->nick;
  }
}

TEST_F(Backplane, JoinLeaveNickClashPrivateWhoAndRoomsSpanTwoServers) {
  auto [alice, bob] = aliceAndBob();
  EXPECT_FALSE(bob->rename("alice")) << "a nick held on another server is taken";
  EXPECT_EQ(bob->count("! nick alice is taken"), 1u);

  alice->say("/msg bob psst");
  EXPECT_TRUE(alice->waitFor("* private message sent to bob"));
  EXPECT_TRUE(bob->waitFor("[private] alice: psst"));
  alice->say("/msg nobody hello");
  EXPECT_TRUE(alice->waitFor("! no such nick: nobody"));

  alice->say("/who");
  EXPECT_TRUE(alice->waitFor("* in lobby: alice, bob"));
  bob->say("/join den");
  EXPECT_TRUE(bob->waitFor("* you joined den (1 members)"));
  EXPECT_TRUE(alice->waitFor("* bob left"));
  alice->say("/rooms");
  EXPECT_TRUE(alice->waitFor("* rooms: den (1), lobby (1)"));
  alice->say("/join den");
  EXPECT_TRUE(alice->waitFor("* you joined den (2 members)"));
  EXPECT_TRUE(bob->waitFor("* alice joined"));
  waitSubscribed("den", 2);
  bob->say("/me waves");
  EXPECT_TRUE(alice->waitFor("* bob waves"));
  alice->say("/nick alicia");
  EXPECT_TRUE(bob->waitFor("* alice is now alicia"));
  bob->rename("alice");  // released with the rename: free again
  EXPECT_EQ(bob->nick, "alice");
  EXPECT_TRUE(alice->waitFor("* bob is now alice"));
  bob->say("/quit");
  EXPECT_TRUE(alice->waitFor("* alice left"));
}

TEST_F(Backplane, AKilledServersMembersLeaveAndItsNicksFreeUp) {
  auto [alice, bob] = aliceAndBob();
  ServerProcess& doomed = *servers_[1];
  auto start = std::chrono::steady_clock::now();
  doomed.signal(SIGKILL);
  doomed.wait();
  servers_.pop_back();
  EXPECT_TRUE(alice->waitFor("* bob left (server lost)", 10s));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 8s) << "the expiry is 4 s and the heartbeat 1 s";
  auto carol = connect(0);
  EXPECT_TRUE(carol->rename("bob")) << "the dead server's nick expired";
}

TEST_F(Backplane, RedisKilledAndRestartedEmptyRoomsGoLocalThenSharedAgain) {
  auto [alice, bob] = aliceAndBob();
  auto carol = connect(0);
  ASSERT_TRUE(carol->rename("carol"));

  // A member who joined before its server's link first came up was told
  // then; count from here.
  for (auto* c : {alice.get(), bob.get(), carol.get()}) {
    c->drain(100ms);
    c->seen.clear();
  }
  redis_.kill();
  const std::string local =
      "* room lobby is local-only: the link to other servers is down; members elsewhere do not "
      "hear it";
  const std::string shared = "* room lobby is shared with other servers again";
  for (auto* c : {alice.get(), bob.get(), carol.get()}) EXPECT_TRUE(c->waitFor(local, 10s));
  alice->say("while down");
  EXPECT_TRUE(carol->waitFor("alice: while down")) << "chat goes on within the server";
  carol->say("/who");
  EXPECT_TRUE(carol->waitFor(
      "* in lobby: alice, carol (this server only: the link to other servers is down)"));
  ASSERT_TRUE(redis_.restart());  // same port, no data
  for (auto* c : {alice.get(), bob.get(), carol.get()}) EXPECT_TRUE(c->waitFor(shared, 15s));
  waitSubscribed("lobby", 2);
  // The restarted Redis knows the nicks again: they were re-asserted.
  auto dave = connect(0);
  EXPECT_FALSE(dave->rename("bob"));
  alice->say("after");
  EXPECT_TRUE(bob->waitFor("alice: after"));
  for (auto* c : {alice.get(), bob.get(), carol.get()}) {
    c->drain(200ms);
    EXPECT_EQ(c->count(local), 1u) << c->nick;
    EXPECT_EQ(c->count(shared), 1u) << c->nick;
  }
  EXPECT_EQ(bob->count("alice: while down"), 0u) << "nothing is replayed later";
}

TEST_F(Backplane, AStoppedRedisIsDetectedAndChatResumesWhenItContinues) {
  auto [alice, bob] = aliceAndBob();
  redis_.pause();
  // Past the reply timeout of both servers (3 s, checked each second).
  for (auto* c : {alice.get(), bob.get()}) {
    EXPECT_TRUE(c->waitFor(
        [](const std::string& l) { return startsWith(l, "* room lobby is local-only"); }, 10s));
  }
  alice->say("/nick al");  // granted locally while Redis cannot answer
  EXPECT_TRUE(alice->waitFor("* you are now al"));
  redis_.resume();
  EXPECT_TRUE(alice->waitFor("* room lobby is shared with other servers again", 15s));
  EXPECT_TRUE(bob->waitFor("* room lobby is shared with other servers again", 15s));
  waitSubscribed("lobby", 2);
  alice->say("back");
  EXPECT_TRUE(bob->waitFor("al: back"));
}

TEST_F(Backplane, RedisRefusingAtStartLeavesChatLocalUntilItComes) {
  redis_.kill();
  startServer();
  auto alice = connect(0);
  EXPECT_TRUE(alice->waitFor(
      [](const std::string& l) { return startsWith(l, "* room lobby is local-only"); }, 5s));
  auto bob = connect(0);
  bob->say("hi");
  EXPECT_TRUE(alice->waitFor(bob->nick + ": hi"));
  ASSERT_TRUE(redis_.restart());
  EXPECT_TRUE(alice->waitFor("* room lobby is shared with other servers again", 15s));
  EXPECT_EQ(redis_.cli({"GET", "t:nick:" + alice->nick}).empty(), false)
      << "its nick is claimed once Redis is there";
}

TEST_F(Backplane, MembersWhoComeBeforeTheFirstLinkHearNoLinkNotices) {
  redis_.pause();  // the first attempt connects, but no reply comes yet
  startServer();
  auto alice = connect(0);
  EXPECT_TRUE(alice->rename("alice"));
  redis_.resume();  // well within the 3 s reply timeout
  bool claimed = false;
  for (int i = 0; i < 200 && !claimed; ++i) {
    claimed = !redis_.cli({"GET", "t:nick:alice"}).empty();
    if (!claimed) std::this_thread::sleep_for(25ms);
  }
  EXPECT_TRUE(claimed) << "the link came up and claimed alice's nick";
  alice->drain();
  for (const std::string& line : alice->seen) {
    EXPECT_FALSE(startsWith(line, "* room lobby is")) << "the link never went down: " << line;
  }
}

TEST_F(Backplane, AMemberWhoQuitsReturnsAndQuitsAgainIsSeenLeavingTwice) {
  auto pair = aliceAndBob();
  auto& alice = pair.first;
  auto& bob = pair.second;
  for (int round = 1; round <= 2; ++round) {
    bob->say("/quit");
    ASSERT_TRUE(alice->waitFor("* bob left"))
        << "round " << round << ": the same quit again is a new event, not a copy";
    if (round == 2) break;
    bob = connect(1);
    bool renamed = false;  // the old claim on "bob" is released asynchronously
    for (int i = 0; i < 100 && !renamed; ++i) {
      renamed = bob->rename("bob");
      if (!renamed) std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(renamed);
    ASSERT_TRUE(alice->waitFor(
        [](const std::string& l) { return l.find(" is now bob") != std::string::npos; }));
  }
  EXPECT_EQ(alice->count("* bob left"), 2u);
}

TEST_F(Backplane, GarbageOnARoomChannelIsDroppedAndCounted) {
  ServerProcess& server = startServer();
  auto alice = connect(0);
  auto bob = connect(0);
  waitSubscribed("lobby", 1);
  for (const char* junk : {"hello", "uvr1\tzz\tsaid\tden\tmallory\t\tfor another room",
                           "uvr1\tzz\tsaid\tlobby\tbad nick\t\tx", "uvr1\tZZ!\tsaid\tlobby\tm\t\tx",
                           "uvr1\tzz\tprivate\tlobby\tm\tbob\tx"}) {
    redis_.cli({"PUBLISH", "t:room:lobby", junk});
  }
  redis_.cli({"PUBLISH", "t:room:lobby", "uvr1\tzz\tsaid\tlobby\tmallory\t\tvalid"});
  EXPECT_TRUE(alice->waitFor("mallory: valid")) << "a well-formed event from anyone is shown";
  bob->say("still here");
  EXPECT_TRUE(alice->waitFor(bob->nick + ": still here"));
  server.signal(SIGUSR1);
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(server.stderrText().find("garbage=5 "), std::string::npos) << server.stderrText();
  alice->drain(100ms);
  for (const auto& l : alice->seen) EXPECT_EQ(l.find("another room"), std::string::npos) << l;
}

// Redis is untrusted input: a mode event (whose text line chat shows as
// is) or any other kind carrying escape sequences or a newline is dropped
// at decode and counted, and the member's terminal gets nothing of it.
TEST_F(Backplane, AHostileModeEventFromRedisReachesNoTerminalRaw) {
  ServerProcess& server = startServer();
  auto alice = connect(0);
  waitSubscribed("lobby", 1);
  for (const std::string hostile : {
           "uvr1\tzz\tmode\tlobby\tmallory\t\t+t\x1b]0;owned\x07\x1b[2J\x1b[H",
           "uvr1\tzz\tmode\tlobby\tmallory\t\t+t on lobby\n* admin: forged line",
           "uvr1\tzz\tmode\tlobby\tmallory\t\t+t\r\x1b[1A",
           "uvr1\tzz\tmode\tlobby\tmallory\tbo\xc2\x9b"
           "2Jb\t+o",
           "uvr1\tzz\tsaid\tlobby\tmallory\t\tline\nforged said",
       }) {
    redis_.cli({"PUBLISH", "t:room:lobby", hostile});
  }
  redis_.cli({"PUBLISH", "t:room:lobby", "uvr1\tzz\tmode\tlobby\tmallory\t\t+t"});
  EXPECT_TRUE(alice->waitFor("* mallory set mode +t on lobby")) << "a clean mode event is shown";
  alice->drain(200ms);
  for (const auto& l : alice->seen) {
    EXPECT_EQ(l.find_first_of("\x1b\r\x07"), std::string::npos) << testing::PrintToString(l);
    EXPECT_EQ(l.find("\xc2\x9b"), std::string::npos) << testing::PrintToString(l);
    EXPECT_EQ(l.find("forged"), std::string::npos) << l;
  }
  EXPECT_EQ(alice->count("* mallory set mode +t on lobby"), 1u);
  server.signal(SIGUSR1);
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(server.stderrText().find("garbage=5 "), std::string::npos) << server.stderrText();
}

TEST_F(Backplane, WorkersShareTheirRooms) {
  startServer({"--workers", "2"});
  std::vector<std::unique_ptr<ChatClient>> clients;
  for (int i = 0; i < 12; ++i) clients.push_back(connect(0));
  waitSubscribed("lobby", 2);
  std::string servers = redis_.cli({"SCARD", "t:servers"});
  EXPECT_EQ(servers, "2") << "both workers took members";
  clients[0]->say("to everyone");
  for (std::size_t i = 1; i < clients.size(); ++i)
    EXPECT_TRUE(clients[i]->waitFor(clients[0]->nick + ": to everyone")) << i;
}

TEST_F(Backplane, ANickTakenOnBothSidesOfAnOutageEndsWithOneServer) {
  startServer();
  startServer();
  auto alice = connect(0);
  auto bob = connect(1);
  waitSubscribed("lobby", 2);
  redis_.kill();
  for (auto* c : {alice.get(), bob.get()}) {
    EXPECT_TRUE(c->waitFor(
        [](const std::string& l) { return startsWith(l, "* room lobby is local-only"); }, 10s));
  }
  ASSERT_TRUE(alice->rename("zed")) << "granted locally while Redis is down";
  ASSERT_TRUE(bob->rename("zed")) << "granted locally while Redis is down";
  ASSERT_TRUE(redis_.restart());
  // Each server re-asserts its nicks; the second to claim zed loses it: its
  // member is renamed to a guest, and the room hears of it.
  for (auto* c : {alice.get(), bob.get()}) {
    EXPECT_TRUE(c->waitFor("* room lobby is shared with other servers again", 15s));
    EXPECT_TRUE(
        c->waitFor([](const std::string& l) { return startsWith(l, "* zed is now guest"); }, 5s));
  }
  waitSubscribed("lobby", 2);
  alice->say("/who");
  auto who = alice->waitFor([](const std::string& l) { return startsWith(l, "* in lobby: "); });
  ASSERT_TRUE(who);
  std::regex oneZed(R"(\* in lobby: (guest[0-9]+-[a-z0-9]+, zed|zed, guest[0-9]+-[a-z0-9]+))");
  EXPECT_TRUE(std::regex_match(*who, oneZed)) << *who;
  std::string owner = redis_.cli({"GET", "t:nick:zed"});
  EXPECT_FALSE(owner.empty());
  auto carol = connect(0);
  EXPECT_FALSE(carol->rename("zed"));
}
