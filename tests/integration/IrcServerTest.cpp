// The IRC front end end to end: the real server process, raw sockets as IRC
// clients, a netcat-style chat client in the same rooms, the `ii` IRC client
// (a program nobody here wrote), and rooms shared across servers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "support/ChatClient.hpp"
#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// An IRC client on a raw socket: registers, then reads lines, answering
// the server's PINGs unless told not to.
class IrcClient {
 public:
  explicit IrcClient(const Endpoint& server) { socket.connect(server); }
  void send(const std::string& line) { socket.sendAll(line + "\r\n"); }
  bool registerAs(const std::string& nick) {
    send("NICK " + nick);
    send("USER " + nick + " 0 * :" + nick + " Real");
    return waitFor([](const std::string& l) { return contains(l, " 001 "); }).has_value();
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
      if (answerPings && line->rfind("PING ", 0) == 0) send("PONG " + line->substr(5));
      if (match(*line)) return line;
    }
  }
  std::optional<std::string> waitFor(const std::string& part, std::chrono::milliseconds t = 5s) {
    return waitFor([&](const std::string& l) { return contains(l, part); }, t);
  }
  SocketClient socket;
  std::vector<std::string> seen;
  bool answerPings = true;
};

class Irc : public ::testing::Test {
 protected:
  void start(std::vector<std::string> extra = {}, std::size_t listeners = 1) {
    std::vector<std::string> args{"--protocol", "irc", "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args, listeners);
    ASSERT_TRUE(server_->ready()) << server_->stderrText();
  }
  // --protocol chat with --irc-listen: tcp[0] line chat, tcp[1] IRC.
  void startChatAndIrc(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--protocol",  "chat",         "--listen",
                                  "127.0.0.1:0", "--irc-listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(args, 2);
    ASSERT_TRUE(server_->ready()) << server_->stderrText();
    ASSERT_EQ(server_->tcp.size(), 2u) << "the chat address, then the IRC address";
  }
  void TearDown() override {
    if (!server_) return;
    server_->signal(SIGTERM);
    EXPECT_EQ(server_->wait(), 0) << server_->stderrText();
  }
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace

TEST_F(Irc, TwoClientsRegisterJoinTalkAndQuit) {
  start();
  IrcClient alice(server_->tcp[0]), bob(server_->tcp[0]);
  ASSERT_TRUE(alice.registerAs("alice"));
  ASSERT_TRUE(bob.registerAs("bob"));
  EXPECT_TRUE(alice.waitFor(" 422 ")) << "no MOTD: 422 ends the welcome";
  alice.send("JOIN #den");
  EXPECT_TRUE(alice.waitFor(":alice!~alice@127.0.0.1 JOIN #den"));
  EXPECT_TRUE(alice.waitFor(" 353 alice = #den :@alice"));
  bob.send("JOIN #den");
  EXPECT_TRUE(bob.waitFor(" 353 bob = #den :@alice bob"));
  EXPECT_TRUE(alice.waitFor(":bob!~bob@127.0.0.1 JOIN #den"));
  bob.send("PRIVMSG #den :hello den");
  EXPECT_TRUE(alice.waitFor(":bob!~bob@127.0.0.1 PRIVMSG #den :hello den"));
  alice.send("PRIVMSG bob :psst");
  EXPECT_TRUE(bob.waitFor(":alice!~alice@127.0.0.1 PRIVMSG bob :psst"));
  bob.send("NICK alice");
  EXPECT_TRUE(bob.waitFor(" 433 bob alice "));
  bob.send("QUIT :off now");
  EXPECT_TRUE(bob.waitFor("ERROR :"));
  EXPECT_TRUE(alice.waitFor(":bob!~bob@127.0.0.1 QUIT :Quit: off now"));
}

TEST_F(Irc, ALineChatUserAndAnIrcUserShareTheLobby) {
  startChatAndIrc();
  if (HasFatalFailure()) return;
  ChatClient nc(server_->tcp[0]);
  ASSERT_TRUE(nc.rename("carol"));
  IrcClient irc(server_->tcp[1]);
  ASSERT_TRUE(irc.registerAs("dave"));
  irc.send("JOIN #lobby");
  EXPECT_TRUE(irc.waitFor(" 353 dave = #lobby :@carol dave")) << "the room's creator operates it";
  EXPECT_TRUE(nc.waitFor("* dave joined"));
  nc.say("hello irc");
  EXPECT_TRUE(irc.waitFor(":carol!carol@uvreactor PRIVMSG #lobby :hello irc"));
  irc.send(
      "PRIVMSG #lobby :\x01"
      "ACTION waves\x01");
  EXPECT_TRUE(nc.waitFor("* dave waves"));
  irc.send("PRIVMSG carol :a private word");
  EXPECT_TRUE(nc.waitFor("[private] dave: a private word"));
  nc.say("/msg dave back to you");
  EXPECT_TRUE(irc.waitFor(":carol!carol@uvreactor PRIVMSG dave :back to you"));
  irc.send("PART #lobby :bye");
  EXPECT_TRUE(nc.waitFor("* dave left (bye)"));
}

TEST_F(Irc, AChannelOperatorKicksIrcAndLineChatMembers) {
  startChatAndIrc();
  if (HasFatalFailure()) return;
  IrcClient dave(server_->tcp[1]), bob(server_->tcp[1]), lobby(server_->tcp[1]);
  ASSERT_TRUE(dave.registerAs("dave"));
  ASSERT_TRUE(bob.registerAs("bob"));
  ASSERT_TRUE(lobby.registerAs("lou"));
  lobby.send("JOIN #lobby");
  ASSERT_TRUE(lobby.waitFor(" 366 lou #lobby"));
  dave.send("JOIN #den");  // its creator: the channel's operator
  ASSERT_TRUE(dave.waitFor(" 366 dave #den"));
  bob.send("JOIN #den");
  ASSERT_TRUE(bob.waitFor(" 366 bob #den"));
  ChatClient carol(server_->tcp[0]);
  ASSERT_TRUE(carol.rename("carol"));
  carol.say("/join den");
  ASSERT_TRUE(dave.waitFor(":carol!carol@uvreactor JOIN #den"));

  bob.send("KICK #den dave :mutiny");
  EXPECT_TRUE(bob.waitFor(" 482 bob #den ")) << "only operators kick";
  dave.send("KICK #den nobody");
  EXPECT_TRUE(dave.waitFor(" 441 dave nobody #den "));
  dave.send("KICK #nowhere bob");
  EXPECT_TRUE(dave.waitFor(" 403 dave #nowhere "));

  dave.send("KICK #den bob :enough");
  EXPECT_TRUE(bob.waitFor(":dave!~dave@127.0.0.1 KICK #den bob :enough"));
  EXPECT_TRUE(dave.waitFor(":dave!~dave@127.0.0.1 KICK #den bob :enough"));
  EXPECT_TRUE(carol.waitFor("* bob was removed from den by dave (enough)"));
  bob.send("PRIVMSG #den :still here?");
  EXPECT_TRUE(bob.waitFor(" 404 bob #den ")) << "a kicked member is out of the channel";

  // A line-chat member is always in one room: kicked, it is back in the lobby.
  dave.send("KICK #den carol");
  EXPECT_TRUE(carol.waitFor("* carol was removed from den by dave (dave)"))
      << "the reason defaults to the kicker's nick";
  EXPECT_TRUE(lobby.waitFor(":carol!carol@uvreactor JOIN #lobby"));
  carol.say("back in the lobby");
  EXPECT_TRUE(lobby.waitFor(":carol!carol@uvreactor PRIVMSG #lobby :back in the lobby"));

  // ...and kicked from the lobby it has nowhere to be: disconnected. lou
  // joined the lobby before any line-chat user, so lou operates it.
  lobby.send("KICK #lobby carol :out");
  EXPECT_TRUE(lobby.waitFor(":lou!~lou@127.0.0.1 KICK #lobby carol :out"));
  EXPECT_TRUE(carol.waitFor("* carol was removed from lobby by lou (out)"));
  EXPECT_TRUE(carol.socket.waitClosed());
  carol.socket.close();  // the server's graceful close waits for this end
  ChatClient again(server_->tcp[0]);
  bool renamed = false;
  for (int i = 0; i < 50 && !renamed; ++i) {
    renamed = again.rename("carol");
    if (!renamed) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(renamed) << "the disconnected member's nick is free again";
}

TEST_F(Irc, AClientThatDoesNotAnswerPingIsDroppedOthersStay) {
  start({"--irc-ping-interval", "0.2", "--irc-ping-timeout", "0.5"});
  IrcClient silent(server_->tcp[0]), awake(server_->tcp[0]);
  ASSERT_TRUE(silent.registerAs("silent"));
  ASSERT_TRUE(awake.registerAs("awake"));
  silent.answerPings = false;
  // Both are read in turns (the awake one answers each PING) until the
  // silent one is dropped.
  bool pinged = false, dropped = false;
  for (int i = 0; i < 60 && !dropped; ++i) {
    auto line = silent.waitFor([](const std::string&) { return true; }, 100ms);
    if (line && line->rfind("PING :uvreactor", 0) == 0) pinged = true;
    if (line && line->rfind("ERROR :Closing Link: 127.0.0.1 (Ping timeout", 0) == 0) dropped = true;
    awake.waitFor([](const std::string&) { return false; }, 100ms);
  }
  EXPECT_TRUE(pinged);
  EXPECT_TRUE(dropped);
  EXPECT_TRUE(silent.socket.waitClosed(3s));
  // The one that answers is still served after several ping rounds.
  awake.waitFor([](const std::string&) { return false; }, 1000ms);
  EXPECT_GE(std::count_if(awake.seen.begin(), awake.seen.end(),
                          [](const std::string& l) { return l.rfind("PING ", 0) == 0; }),
            3);
  awake.send("LUSERS");
  EXPECT_TRUE(awake.waitFor(" 251 awake :There are 1 users"));
}

TEST_F(Irc, AFlooderIsDroppedAndTheChannelCarriesOn) {
  start({"--irc-flood", "5"});
  IrcClient flooder(server_->tcp[0]), calm(server_->tcp[0]);
  ASSERT_TRUE(flooder.registerAs("flooder"));
  ASSERT_TRUE(calm.registerAs("calm"));
  calm.send("JOIN #x");
  flooder.send("JOIN #x");
  EXPECT_TRUE(calm.waitFor("JOIN #x"));
  std::string burst;
  for (int i = 0; i < 200; ++i) burst += "PRIVMSG #x :flood\r\n";
  flooder.socket.sendAll(burst);
  EXPECT_TRUE(flooder.waitFor("ERROR :Closing Link: 127.0.0.1 (Excess Flood)"));
  EXPECT_TRUE(calm.waitFor(":flooder!~flooder@127.0.0.1 QUIT :Excess Flood"));
  IrcClient late(server_->tcp[0]);
  ASSERT_TRUE(late.registerAs("late"));
  late.send("JOIN #x");
  late.send("PRIVMSG #x :still works");
  EXPECT_TRUE(calm.waitFor(":late!~late@127.0.0.1 PRIVMSG #x :still works"));
}

TEST_F(Irc, OverlongLinesAreRefusedNotFatal) {
  start();
  IrcClient c(server_->tcp[0]);
  ASSERT_TRUE(c.registerAs("long"));
  c.send("PRIVMSG long :" + std::string(600, 'x'));
  EXPECT_TRUE(c.waitFor(" 417 long :Input line was too long"));
  c.send("PING :still-here");
  EXPECT_TRUE(c.waitFor("PONG uvreactor :still-here"));
  // Past the room left for tags too, the session ends.
  c.send(std::string(6000, 'y'));
  EXPECT_TRUE(c.waitFor("ERROR :Closing Link: 127.0.0.1 (Input line too long)"));
}

TEST_F(Irc, TheIiClientJoinsAndTalks) {
  if (::access("/usr/bin/ii", X_OK) != 0) GTEST_SKIP() << "ii is not installed (scripts/setup.sh)";
  start();
  char templ[] = "/tmp/uvr-ii-XXXXXX";
  ASSERT_NE(::mkdtemp(templ), nullptr);
  std::string dir = templ;
  std::string port = std::to_string(server_->tcp[0].port());
  IrcClient watcher(server_->tcp[0]);
  ASSERT_TRUE(watcher.registerAs("watcher"));
  watcher.send("JOIN #lobby");
  ASSERT_TRUE(watcher.waitFor(" 366 watcher #lobby"));
  pid_t ii = ::fork();
  if (ii == 0) {
    ::execl("/usr/bin/ii", "ii", "-s", "127.0.0.1", "-p", port.c_str(), "-i", dir.c_str(), "-n",
            "iiuser", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto writeTo = [](const std::string& fifo, const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      struct stat st {};
      if (::stat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
        std::ofstream(fifo) << text << "\n";
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  };
  std::string server = dir + "/127.0.0.1";
  EXPECT_TRUE(writeTo(server + "/in", "/j #lobby"));
  EXPECT_TRUE(watcher.waitFor(":iiuser!") && contains(watcher.seen.back(), "JOIN #lobby"));
  EXPECT_TRUE(writeTo(server + "/#lobby/in", "hello from ii"));
  EXPECT_TRUE(watcher.waitFor("PRIVMSG #lobby :hello from ii"));
  watcher.send("PRIVMSG #lobby :hello ii");
  std::string said;
  for (int i = 0; i < 100 && !contains(said, "<watcher> hello ii"); ++i) {
    std::this_thread::sleep_for(50ms);
    std::stringstream out;
    out << std::ifstream(server + "/#lobby/out").rdbuf();
    said = out.str();
  }
  EXPECT_TRUE(contains(said, "<watcher> hello ii")) << said;
  ::kill(ii, SIGTERM);
  ::waitpid(ii, nullptr, 0);
  std::system(("rm -rf " + dir).c_str());
}

TEST_F(Irc, ChannelsSpanServersThroughTheBackplane) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << redis.why();
  std::string url = "redis://" + redis.endpoint().toString() + "/irc";
  start({"--backplane", url});
  ServerProcess other({"--protocol", "irc", "--listen", "127.0.0.1:0", "--backplane", url});
  ASSERT_TRUE(other.ready()) << other.stderrText();
  IrcClient a(server_->tcp[0]), b(other.tcp[0]);
  ASSERT_TRUE(a.registerAs("ann"));
  ASSERT_TRUE(b.registerAs("ben"));
  a.send("JOIN #wide");
  b.send("JOIN #wide");
  ASSERT_TRUE(b.waitFor(" 366 ben #wide"));
  for (int i = 0; i < 100; ++i) {
    if (redis.cli({"PUBSUB", "NUMSUB", "irc:room:wide"}).find("\n2") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  b.send("PRIVMSG #wide :across");
  EXPECT_TRUE(a.waitFor("PRIVMSG #wide :across"));
  a.send("PRIVMSG ben :direct");
  EXPECT_TRUE(b.waitFor("PRIVMSG ben :direct"));
  b.send("NICK ann");
  EXPECT_TRUE(b.waitFor(" 433 ben ann ")) << "nicks are unique across servers";
  a.send("KICK #wide ben :across too");  // ann created #wide on her server
  EXPECT_TRUE(b.waitFor(":ann!ann@uvreactor KICK #wide ben :across too"));
  EXPECT_TRUE(a.waitFor(":ann!~ann@127.0.0.1 KICK #wide ben :across too"));
  b.send("PRIVMSG #wide :still here?");
  // 403 here: with ben gone, the channel has no member on his server.
  EXPECT_TRUE(b.waitFor([](const std::string& l) {
    return contains(l, " 404 ben #wide ") || contains(l, " 403 ben #wide ");
  })) << "ben's own server took him out of the channel";
  b.send("JOIN #wide");
  EXPECT_TRUE(a.waitFor(" JOIN #wide")) << "a kicked member may come back";
  other.signal(SIGTERM);
  EXPECT_EQ(other.wait(), 0) << other.stderrText();
  EXPECT_TRUE(a.waitFor("QUIT :"));
}

TEST_F(Irc, WorkersServeIrcAndLineChatInTheSameRooms) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << redis.why();
  startChatAndIrc(
      {"--workers", "2", "--backplane", "redis://" + redis.endpoint().toString() + "/w"});
  if (HasFatalFailure()) return;
  // IRC clients until the kernel has given the lobby members on both
  // workers (SO_REUSEPORT spreads connections by their addresses).
  std::vector<std::unique_ptr<IrcClient>> irc;
  // (Built by append: GCC 12 at -O3 warns falsely on "i" + std::string.)
  auto nickOf = [](std::size_t n) { return std::string("i").append(std::to_string(n)); };
  auto subscribers = [&] { return redis.cli({"PUBSUB", "NUMSUB", "w:room:lobby"}); };
  while (irc.size() < 40 && (irc.size() < 4 || subscribers().find("\n2") == std::string::npos)) {
    irc.push_back(std::make_unique<IrcClient>(server_->tcp[1]));
    std::string nick = nickOf(irc.size());
    ASSERT_TRUE(irc.back()->registerAs(nick));
    irc.back()->send("JOIN #lobby");
    ASSERT_TRUE(irc.back()->waitFor(" 366 " + nick + " #lobby"));
  }
  ASSERT_NE(subscribers().find("\n2"), std::string::npos) << "both workers serve IRC clients";
  ChatClient nc(server_->tcp[0]);
  ASSERT_TRUE(nc.rename("carol"));
  nc.say("hello everyone");
  for (auto& client : irc) EXPECT_TRUE(client->waitFor("PRIVMSG #lobby :hello everyone"));
  irc.back()->send("PRIVMSG #lobby :and back");
  EXPECT_TRUE(nc.waitFor(nickOf(irc.size()) + ": and back"));
  EXPECT_TRUE(irc.front()->waitFor("PRIVMSG #lobby :and back"));
}
