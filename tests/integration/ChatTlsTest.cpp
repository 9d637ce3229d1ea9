// Chat and IRC over TLS (--tls-listen, --irc-tls-listen) beside plaintext,
// in the same rooms: netcat on the plain ports, openssl s_client on the TLS
// ones, one server (and two workers through a real redis-server); IRC's
// WHOIS tells who is on TLS (671).
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>

#include "support/ConsoleProcess.hpp"
#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"
#include "support/TestCertificates.hpp"
#include "support/TlsPeers.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

std::vector<std::string> withCertificate(std::vector<std::string> args) {
  const auto& certs = TestCertificates::shared();
  args.insert(args.end(), {"--tls-cert", certs.serverCert, "--tls-key", certs.serverKey});
  return args;
}

std::unique_ptr<ChildProgram> netcat(const Endpoint& at) {
  return std::make_unique<ChildProgram>(
      std::vector<std::string>{"/usr/bin/nc", at.host(), std::to_string(at.port())});
}

std::unique_ptr<ChildProgram> sClient(const Endpoint& at) {
  return std::make_unique<ChildProgram>(sClientCommand(at, TestCertificates::shared().caCert));
}

// Registers `nick` on IRC through `client` (netcat or s_client) and joins #lobby.
bool ircJoin(ChildProgram& client, const std::string& nick) {
  client.type("NICK " + nick + "\r\nUSER " + nick + " 0 * :" + nick + "\r\nJOIN #lobby\r\n");
  return waitForOutput(client, " 366 " + nick + " #lobby");
}

bool lineChatAs(ChildProgram& client, const std::string& nick) {
  client.type("/nick " + nick + "\n");
  return waitForOutput(client, "you are now " + nick);
}

}  // namespace

TEST(ChatTls, NetcatTlsLineChatAndIrcOnBothShareTheLobbyAndWhoisTellsWhoIsOnTls) {
  ServerProcess server(withCertificate({"--protocol", "chat", "--listen", "127.0.0.1:0",
                                        "--tls-listen", "127.0.0.1:0", "--irc-listen",
                                        "127.0.0.1:0", "--irc-tls-listen", "[::1]:0"}),
                       4);
  ASSERT_EQ(server.tcp.size(), 2u) << server.stderrText();
  ASSERT_EQ(server.tls.size(), 2u) << server.stderrText();
  ASSERT_EQ(server.announced.size(), 4u);
  EXPECT_EQ(server.announced[1], "listening tls " + server.tls[0].toString());
  EXPECT_EQ(server.announced[3], "listening tls " + server.tls[1].toString());
  EXPECT_NE(server.tls[1].port(), 0);

  auto carol = netcat(server.tcp[0]);  // line chat, plaintext
  auto dave = sClient(server.tls[0]);  // line chat over TLS
  auto frank = netcat(server.tcp[1]);  // IRC, plaintext
  auto erin = sClient(server.tls[1]);  // IRC over TLS, IPv6
  ASSERT_TRUE(lineChatAs(*carol, "carol")) << carol->out() << carol->err();
  ASSERT_TRUE(lineChatAs(*dave, "dave")) << dave->out() << dave->err();
  ASSERT_TRUE(ircJoin(*frank, "frank")) << frank->out();
  ASSERT_TRUE(ircJoin(*erin, "erin")) << erin->out() << erin->err();

  carol->type("hello from nc\n");
  EXPECT_TRUE(waitForOutput(*dave, "carol: hello from nc\n"));
  EXPECT_TRUE(waitForOutput(*erin, "PRIVMSG #lobby :hello from nc\r\n"));
  EXPECT_TRUE(waitForOutput(*frank, "PRIVMSG #lobby :hello from nc\r\n"));
  dave->type("hello from tls\n");
  EXPECT_TRUE(waitForOutput(*carol, "dave: hello from tls\n"));
  EXPECT_TRUE(waitForOutput(*erin, ":dave!"));
  erin->type("PRIVMSG #lobby :hello from irc over tls\r\n");
  EXPECT_TRUE(waitForOutput(*carol, "erin: hello from irc over tls\n"));
  EXPECT_TRUE(waitForOutput(*dave, "erin: hello from irc over tls\n"));

  frank->type("WHOIS erin\r\nWHOIS dave\r\nWHOIS frank\r\nWHOIS carol\r\n");
  ASSERT_TRUE(waitForOutput(*frank, " 318 frank carol ")) << frank->out();
  std::string whois = frank->out();
  EXPECT_NE(whois.find(" 671 frank erin :is using a secure connection\r\n"), std::string::npos)
      << whois;
  EXPECT_NE(whois.find(" 671 frank dave :"), std::string::npos) << whois;
  EXPECT_EQ(whois.find(" 671 frank frank "), std::string::npos) << whois;
  EXPECT_EQ(whois.find(" 671 frank carol "), std::string::npos) << whois;
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(ChatTls, IrcProtocolServesTlsListenAsIrc) {
  ServerProcess server(withCertificate({"--protocol", "irc", "--listen", "127.0.0.1:0",
                                        "--tls-listen", "[::1]:0", "--tls-listen", "127.0.0.1:0"}),
                       3);
  ASSERT_EQ(server.tls.size(), 2u) << server.stderrText();
  auto secure = sClient(server.tls[0]);
  auto plain = netcat(server.tcp[0]);
  ASSERT_TRUE(ircJoin(*secure, "sec")) << secure->out() << secure->err();
  ASSERT_TRUE(ircJoin(*plain, "pla")) << plain->out() << plain->err() << server.stderrText();
  secure->type("WHOIS sec\r\nWHOIS pla\r\n");
  ASSERT_TRUE(waitForOutput(*secure, " 318 sec pla ")) << secure->out();
  EXPECT_NE(secure->out().find(" 671 sec sec :"), std::string::npos) << secure->out();
  EXPECT_EQ(secure->out().find(" 671 sec pla "), std::string::npos) << secure->out();
  plain->type("PRIVMSG #lobby :plain to secure\r\n");
  EXPECT_TRUE(waitForOutput(*secure, "PRIVMSG #lobby :plain to secure\r\n"));
  auto other = sClient(server.tls[1]);
  ASSERT_TRUE(ircJoin(*other, "v4")) << other->out() << other->err();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(ChatTls, IrcTlsListenUsageErrors) {
  const auto& certs = TestCertificates::shared();
  auto notChat = runProgram({UVR_SERVER_BIN, "--protocol", "irc", "--irc-tls-listen", "127.0.0.1:0",
                             "--tls-cert", certs.serverCert, "--tls-key", certs.serverKey});
  EXPECT_EQ(notChat.exitCode, 2);
  EXPECT_NE(notChat.err.find("need --protocol chat"), std::string::npos) << notChat.err;
  auto noCert =
      runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--irc-tls-listen", "127.0.0.1:0"});
  EXPECT_EQ(noCert.exitCode, 2);
  EXPECT_NE(noCert.err.find("--irc-tls-listen needs --tls-cert and --tls-key"), std::string::npos)
      << noCert.err;
}

// Every TLS address on two workers sharing the rooms through Redis: IRC
// clients over TLS until both workers serve some, then a line-chat member
// over TLS reaches them all, and back.
TEST(ChatTls, WorkersAndTheBackplaneServeEveryTlsAddress) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << redis.why();
  ServerProcess server(
      withCertificate({"--protocol", "chat", "--workers", "2", "--backplane",
                       "redis://" + redis.endpoint().toString() + "/t", "--tls-listen",
                       "127.0.0.1:0", "--irc-tls-listen", "127.0.0.1:0"}),
      2);
  ASSERT_EQ(server.tls.size(), 2u) << server.stderrText();
  auto subscribers = [&] { return redis.cli({"PUBSUB", "NUMSUB", "t:room:lobby"}); };
  std::vector<std::unique_ptr<ChildProgram>> irc;
  auto nickOf = [](std::size_t n) { return std::string("t").append(std::to_string(n)); };
  while (irc.size() < 24 && (irc.size() < 2 || subscribers().find("\n2") == std::string::npos)) {
    irc.push_back(sClient(server.tls[1]));
    ASSERT_TRUE(ircJoin(*irc.back(), nickOf(irc.size()))) << irc.back()->err();
  }
  ASSERT_NE(subscribers().find("\n2"), std::string::npos) << "both workers serve IRC over TLS";
  auto line = sClient(server.tls[0]);
  ASSERT_TRUE(lineChatAs(*line, "liner")) << line->err();
  line->type("across workers over tls\n");
  for (auto& c : irc) EXPECT_TRUE(waitForOutput(*c, "PRIVMSG #lobby :across workers over tls"));
  irc.front()->type("PRIVMSG #lobby :and back\r\n");
  EXPECT_TRUE(waitForOutput(*line, nickOf(1) + ": and back\n"));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}
