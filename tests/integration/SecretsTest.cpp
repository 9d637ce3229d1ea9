// uvreactor-server's secrets: the IRC password and operators, and the
// backplane password, from files only their owner can read or from the
// environment; never in a worker's argv; OPER compared and refused with
// care. Also: --help leaves out the supervisor's internal flags.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

std::string secretFile(const std::string& name, const std::string& content, mode_t mode) {
  TestCertificates::shared();  // the directory it writes into
  std::string path = writeTestFile(name, content);
  ::chmod(path.c_str(), mode);
  return path;
}

// The lines an IRC server sends until one holds `part`; empty on EOF/timeout.
std::string ircUntil(SocketClient& c, const std::string& part) {
  std::string seen;
  while (auto line = c.recvLine(5000ms)) {
    seen += *line + "\n";
    if (line->find(part) != std::string::npos) return seen;
  }
  return {};
}

// PASS (when given), NICK and USER; what came back up to 001 or the error.
std::string registerIrc(SocketClient& c, const std::string& nick, const std::string& pass = "") {
  if (!pass.empty()) c.sendAll("PASS " + pass + "\r\n");
  c.sendAll("NICK " + nick + "\r\nUSER " + nick + " 0 * :" + nick + "\r\n");
  std::string seen;
  while (auto line = c.recvLine(5000ms)) {
    seen += *line + "\n";
    if (line->find(" 001 ") != std::string::npos || line->rfind("ERROR", 0) == 0) break;
  }
  return seen;
}

std::string commandLine(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/cmdline");
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

std::vector<pid_t> startedWorkers(const std::string& log) {
  std::vector<pid_t> pids;
  std::regex started(R"(worker \d+ started \(pid (\d+)\))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), started);
       it != std::sregex_iterator(); ++it)
    pids.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  return pids;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(Secrets, AFileOthersCanReadIsRefusedForEverySecret) {
  std::string open = secretFile("open-secret", "s3cret\n", 0644);
  std::string openOper = secretFile("open-oper", "boss:s3cret\n", 0640);
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--protocol", "irc", "--irc-password-file", open},
        std::vector<std::string>{"--protocol", "irc", "--irc-oper-file", openOper},
        std::vector<std::string>{"--protocol", "chat", "--backplane", "redis://127.0.0.1:1",
                                 "--backplane-password-file", open}}) {
    std::vector<std::string> argv{UVR_SERVER_BIN};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto r = runProgram(argv);
    EXPECT_EQ(r.exitCode, 2) << r.err;
    EXPECT_NE(r.err.find("can be read or written by others than its owner"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << "the error never shows the secret";
  }
  std::string closed = secretFile("closed-secret", "s3cret\n", 0600);
  auto both = runProgram(
      {UVR_SERVER_BIN, "--protocol", "irc", "--irc-password-file", closed, "--irc-password", "x"});
  EXPECT_EQ(both.exitCode, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;
  std::string badOper = secretFile("bad-oper", "no colon here\n", 0600);
  auto bad = runProgram({UVR_SERVER_BIN, "--protocol", "irc", "--irc-oper-file", badOper});
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.err.find("NAME:PASSWORD"), std::string::npos) << bad.err;
}

// The supervisor reads the files once; its workers get the secrets in their
// environment: no password in any /proc/PID/cmdline, and the workers check it.
TEST(Secrets, WithTheFileFormsNoCommandLineHoldsAPassword) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << redis.why();
  std::string pass = secretFile("irc-pass", "pass-s3cret\n", 0600);
  std::string opers = secretFile("irc-opers", "boss:oper-s3cret\nother:second-s3cret\n", 0600);
  ServerProcess server({"--protocol", "irc", "--listen", "127.0.0.1:0", "--workers", "2",
                        "--backplane", "redis://" + redis.endpoint().toString() + "/s",
                        "--irc-password-file", pass, "--irc-oper-file", opers, "--log-level",
                        "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  std::vector<pid_t> pids = startedWorkers(server.stderrText());
  ASSERT_EQ(pids.size(), 2u) << server.stderrText();
  pids.push_back(server.pid());
  for (pid_t pid : pids) {
    std::string cmdline = commandLine(pid);
    EXPECT_NE(cmdline.find("--irc-password-file"), std::string::npos) << pid;
    EXPECT_EQ(cmdline.find("s3cret"), std::string::npos) << pid;
  }
  for (int i = 0; i < 6; ++i) {  // spread over both workers: each checks the password
    SocketClient good(server.tcp[0]);
    std::string nick = std::string("good").append(std::to_string(i));
    EXPECT_NE(registerIrc(good, nick, "pass-s3cret").find(" 001 "), std::string::npos);
    good.sendAll("OPER other second-s3cret\r\n");
    EXPECT_NE(ircUntil(good, " 381 "), "");
  }
  SocketClient wrong(server.tcp[0]);
  EXPECT_NE(registerIrc(wrong, "wrong", "nope").find(" 464 "), std::string::npos);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// The command-line forms still work (and --help says they are visible), but
// the supervisor does not copy them into its workers' argv.
TEST(Secrets, CommandLineSecretsDoNotReachTheWorkersArgv) {
  RedisServer redis;
  if (!redis.available()) GTEST_SKIP() << redis.why();
  ServerProcess server({"--protocol", "irc", "--listen", "127.0.0.1:0", "--workers", "2",
                        "--backplane", "redis://" + redis.endpoint().toString() + "/c",
                        "--irc-password", "argv-s3cret", "--irc-oper=boss:argv-oper", "--log-level",
                        "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  std::vector<pid_t> pids = startedWorkers(server.stderrText());
  ASSERT_EQ(pids.size(), 2u);
  for (pid_t pid : pids) {
    EXPECT_EQ(commandLine(pid).find("argv-"), std::string::npos) << commandLine(pid);
    EXPECT_EQ(commandLine(pid).find("--irc-oper"), std::string::npos);
  }
  SocketClient c(server.tcp[0]);
  EXPECT_NE(registerIrc(c, "argv", "argv-s3cret").find(" 001 "), std::string::npos);
  c.sendAll("OPER boss argv-oper\r\n");
  EXPECT_NE(ircUntil(c, " 381 "), "");
  auto help = runProgram({UVR_SERVER_BIN, "--help"});
  EXPECT_NE(help.out.find("VISIBLE to every local user"), std::string::npos) << help.out;
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(Secrets, TheEnvironmentFormsWork) {
  ::setenv("UVR_IRC_PASSWORD", "env-s3cret", 1);
  ::setenv("UVR_IRC_OPER", "boss:env-oper\n", 1);
  ServerProcess server({"--protocol", "irc", "--listen", "127.0.0.1:0"});
  ::unsetenv("UVR_IRC_PASSWORD");
  ::unsetenv("UVR_IRC_OPER");
  ASSERT_TRUE(server.ready()) << server.stderrText();
  SocketClient no(server.tcp[0]);
  EXPECT_NE(registerIrc(no, "nopass").find(" 464 "), std::string::npos);
  SocketClient yes(server.tcp[0]);
  EXPECT_NE(registerIrc(yes, "withpass", "env-s3cret").find(" 001 "), std::string::npos);
  yes.sendAll("OPER boss env-oper\r\n");
  EXPECT_NE(ircUntil(yes, " 381 "), "");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// Twelve wrong OPERs from four sessions: one log line (the rest counted),
// each session ended at its third failure, and the right password still works.
TEST(Secrets, WrongOperIsLoggedOnceUnderAFloodAndEndsTheSessionAtTheThird) {
  std::string opers = secretFile("flood-opers", "boss:right-s3cret\n", 0600);
  ServerProcess server({"--protocol", "irc", "--listen", "127.0.0.1:0", "--irc-oper-file", opers});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  for (int i = 0; i < 4; ++i) {
    SocketClient c(server.tcp[0]);
    std::string nick = std::string("guess").append(std::to_string(i));
    ASSERT_NE(registerIrc(c, nick).find(" 001 "), std::string::npos);
    c.sendAll("OPER boss wrong1\r\nOPER boss wrong2\r\nOPER nobody wrong3\r\nOPER boss late\r\n");
    std::string seen = ircUntil(c, "ERROR");
    EXPECT_EQ(occurrences(seen, " 464 "), 2u) << seen;
    EXPECT_EQ(occurrences(seen, " 491 "), 1u) << seen;
    EXPECT_NE(seen.find("Too many failed OPER attempts"), std::string::npos) << seen;
    EXPECT_TRUE(c.waitClosed());
  }
  std::string log = server.stderrText();
  EXPECT_EQ(occurrences(log, "failed OPER as"), 1u) << log;
  EXPECT_NE(log.find("are counted, not logged"), std::string::npos) << log;
  EXPECT_EQ(log.find("wrong"), std::string::npos) << "no password is logged";
  SocketClient right(server.tcp[0]);
  ASSERT_NE(registerIrc(right, "boss").find(" 001 "), std::string::npos);
  right.sendAll("OPER boss right-s3cret\r\n");
  EXPECT_NE(ircUntil(right, " 381 "), "");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(Secrets, HelpLeavesOutTheSupervisorsInternalFlags) {
  auto help = runProgram({UVR_SERVER_BIN, "--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_NE(help.out.find("--workers"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--irc-password-file"), std::string::npos);
  for (const char* internal : {"--worker ", "--resolved", "internal"})
    EXPECT_EQ(help.out.find(internal), std::string::npos) << internal << "\n" << help.out;
  auto usage = runProgram({UVR_SERVER_BIN, "--no-such-flag"});
  EXPECT_EQ(usage.exitCode, 2);
  EXPECT_EQ(usage.err.find("--resolved"), std::string::npos) << usage.err;
}
