// Room limits end to end, tried as an attacker would: one IRC client asking
// for hundreds of channels, many clients together filling the server's room
// cap, and line chat's /join under the same cap; the real server process,
// raw sockets as clients.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/ChatClient.hpp"
#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// An IRC client on a raw socket that answers PINGs and keeps what it read.
class IrcClient {
 public:
  explicit IrcClient(const Endpoint& server) { socket.connect(server); }
  void send(const std::string& line) { socket.sendAll(line + "\r\n"); }
  bool registerAs(const std::string& nick) {
    send("NICK " + nick);
    send("USER " + nick + " 0 * :" + nick);
    return waitFor(" 422 ").has_value();  // the end of the welcome
  }
  std::optional<std::string> waitFor(const std::function<bool(const std::string&)>& match,
                                     std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto line = socket.recvLine(left);
      if (!line) return std::nullopt;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      seen.push_back(*line);
      if (line->rfind("PING ", 0) == 0) send("PONG " + line->substr(5));
      if (match(*line)) return line;
    }
  }
  std::optional<std::string> waitFor(const std::string& part, std::chrono::milliseconds t = 5s) {
    return waitFor([&](const std::string& l) { return contains(l, part); }, t);
  }
  std::size_t countSeen(const std::string& part) const {
    std::size_t n = 0;
    for (const auto& l : seen) n += contains(l, part) ? 1 : 0;
    return n;
  }
  // The channels LIST shows, after the 323 that ends it.
  std::vector<std::string> list() {
    send("LIST");
    std::vector<std::string> channels;
    waitFor([&](const std::string& l) {
      if (contains(l, " 322 ")) channels.push_back(l);
      return contains(l, " 323 ");
    });
    return channels;
  }
  SocketClient socket;
  std::vector<std::string> seen;
};

class RoomLimit : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args, std::size_t listeners = 1) {
    server_ = std::make_unique<ServerProcess>(args, listeners);
    ASSERT_TRUE(server_->ready()) << server_->stderrText();
  }
  void TearDown() override {
    if (!server_) return;
    server_->signal(SIGTERM);
    EXPECT_EQ(server_->wait(), 0) << server_->stderrText();
  }
  std::unique_ptr<ServerProcess> server_;
};

std::string joinLine(int line, int channels) {
  std::string out = "JOIN ";
  for (int i = 0; i < channels; ++i) {
    if (i != 0) out += ',';
    out += "#c" + std::to_string(line) + "x" + std::to_string(i);
  }
  return out;
}

}  // namespace

TEST_F(RoomLimit, OneIrcClientAskingForHundredsOfChannelsGetsItsCapAndOthersAreServed) {
  start({"--protocol", "irc", "--listen", "127.0.0.1:0"});  // the default cap: 20
  IrcClient attacker(server_->tcp[0]);
  ASSERT_TRUE(attacker.registerAs("attacker"));
  EXPECT_EQ(attacker.countSeen(" CHANLIMIT=#:20 "), 1u) << "the cap is advertised in 005";
  // 10 lines of 40 channels each: 400 asked for, within the flood limit.
  for (int line = 0; line < 10; ++line) attacker.send(joinLine(line, 40));
  attacker.send("PING :done");
  ASSERT_TRUE(attacker.waitFor("PONG", 10s)) << "the attacker is answered, not dropped";
  EXPECT_EQ(attacker.countSeen(" JOIN #c"), 20u);
  EXPECT_EQ(attacker.countSeen(" 405 attacker #c"), 380u) << "each refused channel gets 405";
  EXPECT_TRUE(attacker.countSeen(" 405 attacker #c9x39 :You have joined too many channels") == 1);
  // A well-behaved client is served, and sees only the attacker's 20 rooms.
  IrcClient good(server_->tcp[0]);
  ASSERT_TRUE(good.registerAs("good"));
  good.send("JOIN #quiet");
  EXPECT_TRUE(good.waitFor(":good!~good@127.0.0.1 JOIN #quiet"));
  EXPECT_EQ(good.list().size(), 21u);
  // Parting one frees a place for another channel.
  attacker.send("PART #c0x0");
  attacker.send("JOIN #quiet");
  EXPECT_TRUE(good.waitFor(":attacker!~attacker@127.0.0.1 JOIN #quiet"));
}

TEST_F(RoomLimit, ClientsTogetherFillTheServerAndAFreedRoomCanBeTaken) {
  start({"--protocol", "irc", "--listen", "127.0.0.1:0", "--max-rooms", "5"});
  std::vector<std::unique_ptr<IrcClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<IrcClient>(server_->tcp[0]));
    std::string nick = "client";  // GCC 12's -Wrestrict misfires on "c" + to_string(i)
    nick += std::to_string(i);
    ASSERT_TRUE(clients.back()->registerAs(nick));
  }
  // All at once, each its own channel: five are opened, three refused.
  for (int i = 0; i < 8; ++i) clients[i]->send("JOIN #own" + std::to_string(i));
  std::vector<int> refused, joined;
  for (int i = 0; i < 8; ++i) {
    std::string channel = "#own" + std::to_string(i);
    auto answer = clients[i]->waitFor([&](const std::string& l) {
      return contains(l, " JOIN " + channel) || contains(l, " 403 ");
    });
    ASSERT_TRUE(answer) << "client " << i << " got no answer";
    if (contains(*answer, " 403 ")) {
      EXPECT_TRUE(contains(*answer, channel + " :Cannot create channel: the server has its "
                                              "limit of 5 channels"))
          << *answer;
      refused.push_back(i);
    } else {
      joined.push_back(i);
    }
  }
  ASSERT_EQ(joined.size(), 5u);
  ASSERT_EQ(refused.size(), 3u);
  // An existing channel can still be joined at the cap.
  IrcClient& late = *clients[refused[0]];
  late.send("JOIN #own" + std::to_string(joined[0]));
  EXPECT_TRUE(late.waitFor(" JOIN #own" + std::to_string(joined[0])));
  // The refused ones keep trying while one room frees; exactly one gets it.
  clients[joined[1]]->send("PART #own" + std::to_string(joined[1]));
  EXPECT_TRUE(clients[joined[1]]->waitFor(" PART #own" + std::to_string(joined[1])));
  int taken = 0;
  for (std::size_t k = 1; k < refused.size(); ++k) {
    clients[refused[k]]->send("JOIN #again" + std::to_string(k));
  }
  for (std::size_t k = 1; k < refused.size(); ++k) {
    auto answer = clients[refused[k]]->waitFor(
        [&](const std::string& l) { return contains(l, " JOIN #again") || contains(l, " 403 "); });
    ASSERT_TRUE(answer);
    taken += contains(*answer, " JOIN #again") ? 1 : 0;
  }
  EXPECT_EQ(taken, 1);
  EXPECT_EQ(clients[0]->list().size(), 5u);
}

TEST_F(RoomLimit, LineChatJoinObeysTheServerCapAndARefusedMoveLosesNothing) {
  start({"--protocol", "chat", "--listen", "127.0.0.1:0", "--max-rooms", "3"});
  ChatClient a(server_->tcp[0]), b(server_->tcp[0]), c(server_->tcp[0]), d(server_->tcp[0]);
  ASSERT_TRUE(a.connected() && b.connected() && c.connected() && d.connected());
  a.say("/join r1");
  ASSERT_TRUE(a.waitFor("* you joined r1 (1 members)"));
  b.say("/join r2");  // lobby (c, d), r1, r2: the cap
  ASSERT_TRUE(b.waitFor("* you joined r2 (1 members)"));
  c.say("/join r3");
  EXPECT_TRUE(
      c.waitFor("! cannot open room r3: this server has its limit of 3 rooms; join an existing one "
                "(/rooms)"));
  // c is still in the lobby, with d.
  c.say("still here");
  EXPECT_TRUE(d.waitFor(c.nick + ": still here"));
  // Leaving a room one is alone in frees its place for the next one.
  b.say("/join r4");
  EXPECT_TRUE(b.waitFor("* you joined r4 (1 members)"));
  a.say("/join lobby");
  ASSERT_TRUE(a.waitFor("* you joined lobby (3 members)"));
  c.say("/join r3");
  EXPECT_TRUE(c.waitFor("* you joined r3 (1 members)"));
}
