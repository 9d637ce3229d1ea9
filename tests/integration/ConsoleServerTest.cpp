// uvreactor-server --protocol console as the tutorial's reader runs it: real
// server processes, the operator's stdin a pipe, a terminal, a file or
// /dev/null, and real clients: python3 written in the tutorial's style, nc,
// and plain sockets.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <iostream>

#include <memory>
#include <thread>

#include "support/ConsoleProcess.hpp"
#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// The tutorial's client: connect, send typed text without a newline, print
// one recv(1024), close.
const char* const kTutorialClient = R"(
import socket, sys
host, port, message = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
s.connect((host, port))
s.send(message.encode('utf-8'))
data = s.recv(1024)
print(data.decode('utf-8'))
s.close()
)";

std::string hostOf(const Endpoint& at) {
  std::string text = at.toString();
  std::size_t colon = text.rfind(':');
  std::string host = text.substr(0, colon);
  if (!host.empty() && host[0] == '[') host = host.substr(1, host.size() - 2);
  return host;
}

// "[N HOST:PORT] ..." -> N
uint64_t numberIn(const std::string& line) {
  std::size_t open = line.find('[');
  return open == std::string::npos ? 0 : std::stoull(line.substr(open + 1));
}

// "[N HOST:PORT] ..." -> "N HOST:PORT"
std::string labelIn(const std::string& line) {
  std::size_t open = line.find('['), close = line.find("] ");
  return line.substr(open + 1, close - open - 1);
}

ConsoleProcess::Options stdinIs(ConsoleStdin in, std::string content = "") {
  ConsoleProcess::Options o;
  o.in = in;
  o.fileContent = std::move(content);
  return o;
}

class ConsoleTutorial : public ::testing::TestWithParam<const char*> {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Families, ConsoleTutorial, ::testing::Values("127.0.0.1:0", "[::1]:0"),
                         FamilyName());

// The tutorial's flow, three clients at once: each gets its own reply, by
// "reply to the last speaker", by @N and by @all, and shows it once.
TEST_P(ConsoleTutorial, ThreeTutorialClientsEachGetTheirOwnReply) {
  ConsoleProcess server({"--listen", GetParam()}, stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  std::string host = hostOf(*server.endpoint), port = std::to_string(server.endpoint->port());
  std::vector<std::string> messages{"你好，我是客户端一", "second client here", "третий"};
  std::vector<std::unique_ptr<ChildProgram>> clients;
  for (const auto& m : messages)
    clients.push_back(std::make_unique<ChildProgram>(
        std::vector<std::string>{"python3", "-c", kTutorialClient, host, port, m}));
  std::vector<std::string> label(3);
  std::size_t last = 0, lastLine = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::size_t at = 0;
    auto line = server.waitForLine("] " + messages[i], std::chrono::seconds(20), 0, &at);
    ASSERT_TRUE(line) << "client " << i << " not shown; its stderr: " << clients[i]->err();
    label[i] = labelIn(*line);
    std::string expected = "[";  // appended: GCC 12 -O3 misreads "[" + s + ... (-Wrestrict)
    expected.append(label[i]).append("] ").append(messages[i]);
    EXPECT_EQ(*line, expected);
    EXPECT_NE(line->find(host), std::string::npos) << *line;
    if (at >= lastLine) lastLine = at, last = i;
  }
  auto leaves = [&](std::size_t i) {
    return server.waitForLine("* [" + label[i] + "] disconnected: closed by the client");
  };

  ASSERT_TRUE(server.type("answer for the last speaker\n"));
  EXPECT_EQ(clients[last]->wait(), 0);
  EXPECT_EQ(clients[last]->out(), "answer for the last speaker\n") << "shown once";
  ASSERT_TRUE(leaves(last));

  std::size_t direct = (last + 1) % 3, third = (last + 2) % 3;
  ASSERT_TRUE(server.type("@" + std::to_string(numberIn("[" + label[direct])) + " 只给你\n"));
  EXPECT_EQ(clients[direct]->wait(), 0);
  EXPECT_EQ(clients[direct]->out(), "只给你\n");
  ASSERT_TRUE(leaves(direct));

  ASSERT_TRUE(server.type("@all to everyone still here\n"));
  EXPECT_TRUE(server.waitForLine("* sent to all (1 client)"));
  EXPECT_EQ(clients[third]->wait(), 0);
  EXPECT_EQ(clients[third]->out(), "to everyone still here\n");
  EXPECT_TRUE(leaves(third));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// nc sends lines: its reply ends with a newline, shown once; /kick closes it.
TEST(ConsoleServer, NcGetsItsReplyOnceAndKickClosesIt) {
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  ChildProgram nc({"nc", "127.0.0.1", std::to_string(server.endpoint->port())});
  ASSERT_TRUE(nc.type("hello from nc\n"));
  auto line = server.waitForLine("] hello from nc");
  ASSERT_TRUE(line) << nc.err();
  nc.closeStdin();  // nc keeps reading until the server closes
  ASSERT_TRUE(server.type("hi nc\n"));
  ASSERT_TRUE(server.waitForLine("* sent to " + std::to_string(numberIn(*line))));
  ASSERT_TRUE(server.type("/kick " + std::to_string(numberIn(*line)) + "\n"));
  EXPECT_TRUE(
      server.waitForLine("* [" + labelIn(*line) + "] disconnected: kicked by the operator"));
  EXPECT_EQ(nc.wait(), 0) << "nc ends when the server closes";
  EXPECT_EQ(nc.out(), "hi nc\n");
  server.signal(SIGINT);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// The operator at a terminal (a pseudo-terminal in its normal line mode):
// half a typed line holds nothing up, ^D closes the console, not the server.
TEST(ConsoleServer, TerminalConsoleNeverHoldsUpClientsAndEndsWithControlD) {
  int probe = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (probe < 0) GTEST_SKIP() << "no pseudo-terminals here (posix_openpt failed)";
  ::close(probe);
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, stdinIs(ConsoleStdin::Terminal));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  SocketClient first(*server.endpoint);
  ASSERT_TRUE(first.sendAll("from the first\n"));
  ASSERT_TRUE(server.waitForLine("[1 127.0.0.1:"));
  ASSERT_TRUE(server.type("@1 half a li"));
  SocketClient second(*server.endpoint);
  ASSERT_TRUE(second.sendAll("the second is served meanwhile\n"));
  EXPECT_TRUE(server.waitForLine("] the second is served meanwhile"));
  ASSERT_TRUE(server.type("ne, then the rest\n/who\n"));
  EXPECT_EQ(first.recvLine(), "half a line, then the rest");
  EXPECT_TRUE(server.waitForLine("* 2 clients, 2 spoke last"));
  ASSERT_TRUE(server.type("\x04"));  // ^D at the start of a line: end of input
  EXPECT_TRUE(server.waitForStderr("console closed (end of input)")) << server.stderrText();
  ASSERT_TRUE(second.sendAll("still served\n"));
  EXPECT_TRUE(server.waitForLine("[2 127.0.0.1:"));
  EXPECT_TRUE(server.waitForLine("] still served"));
  first.close(), second.close();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// Half a line in a pipe holds nothing up either.
TEST(ConsoleServer, HalfALineInAPipeHoldsUpNothing) {
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready());
  SocketClient first(*server.endpoint);
  ASSERT_TRUE(first.sendAll("one\n"));
  ASSERT_TRUE(server.waitForLine("] one"));
  ASSERT_TRUE(server.type("@1 par"));
  std::vector<SocketClient> more;
  for (int i = 0; i < 5; ++i) {
    more.emplace_back(*server.endpoint);
    ASSERT_TRUE(more.back().sendAll("meanwhile " + std::to_string(i) + "\n"));
    EXPECT_TRUE(server.waitForLine("] meanwhile " + std::to_string(i)));
  }
  ASSERT_TRUE(server.type("tial\n"));
  EXPECT_EQ(first.recvLine(), "partial");
}

// Commands from a regular file run at start (no one is connected yet), then
// end of input: the console says so and the server goes on serving, idle.
TEST(ConsoleServer, RegularFileStdinRunsItsCommandsThenKeepsServingWithoutSpinning) {
  ConsoleProcess server({"--listen", "127.0.0.1:0"},
                        stdinIs(ConsoleStdin::File, "/who\n@1 too early\n/bogus\n"));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  EXPECT_TRUE(server.waitForLine("* 0 clients"));
  ASSERT_TRUE(server.waitForStderr("console closed (end of input)")) << server.stderrText();
  std::string err = server.stderrText();
  EXPECT_NE(err.find("uvreactor-server: no client 1 (/who lists them)\n"), std::string::npos)
      << err;
  EXPECT_NE(err.find("uvreactor-server: unknown command /bogus"), std::string::npos) << err;
  long before = server.cpuTicks();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  long spent = server.cpuTicks() - before;
  EXPECT_LT(spent, 30) << "a server spinning on its closed console would use a whole second";
  SocketClient c(*server.endpoint);
  ASSERT_TRUE(c.sendAll("after the end of input\n"));
  EXPECT_TRUE(server.waitForLine("[1 127.0.0.1:"));
  EXPECT_TRUE(server.waitForLine("] after the end of input"));
  c.close();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(ConsoleServer, DevNullStdinClosesTheConsoleAndKeepsServing) {
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, stdinIs(ConsoleStdin::DevNull));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  ASSERT_TRUE(server.waitForStderr("console closed (end of input)"));
  long before = server.cpuTicks();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_LT(server.cpuTicks() - before, 30);
  SocketClient c(*server.endpoint);
  ASSERT_TRUE(c.sendAll("anyone there?"));
  EXPECT_TRUE(server.waitForLine("] anyone there?"));
  c.close();
  server.signal(SIGINT);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

// End of a piped stdin, then SIGTERM with clients connected: each sees the
// server close, each departure is shown, exit 0.
TEST(ConsoleServer, PipeEndsThenSigtermWithClientsConnectedExitsZero) {
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready());
  std::vector<SocketClient> clients;
  for (int i = 0; i < 3; ++i) clients.emplace_back(*server.endpoint);
  ASSERT_TRUE(server.waitForLine("* [3 127.0.0.1:"));
  server.closeStdin();
  ASSERT_TRUE(server.waitForStderr("console closed (end of input)"));
  ASSERT_TRUE(clients[1].sendAll("after the console closed\n"));
  EXPECT_TRUE(server.waitForLine("[2 127.0.0.1:"));
  EXPECT_TRUE(server.waitForLine("] after the console closed"));
  server.signal(SIGTERM);
  for (auto& c : clients) {
    EXPECT_TRUE(c.waitClosed());
    c.close();  // the server's graceful close waits for this FIN
  }
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
  int shownLeaving = 0;
  for (const auto& l : server.lines())
    shownLeaving += l.find("] disconnected: server shutting down") != std::string::npos;
  EXPECT_EQ(shownLeaving, 3);
}

// A thousand idle clients and one that never reads: the operator floods the
// non-reader, which is dropped at --max-queued; @all still reaches the
// others; memory stays within a small factor of the caps.
TEST(ConsoleServer, AThousandIdleClientsAndANonReaderDoNotStopAtAll) {
  ASSERT_GE(raiseFdLimit(2300), 2200u) << "needs 1001 descriptors for each end";
  ConsoleProcess server({"--listen", "127.0.0.1:0", "--max-queued", "1048576", "--high-water",
                         "262144", "--low-water", "65536"},
                        stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready());
  SocketClient stuck(*server.endpoint, 4096);
  ASSERT_TRUE(stuck.sendAll("I never read\n"));
  std::vector<SocketClient> idle;
  for (int i = 0; i < 1000; ++i) idle.emplace_back(*server.endpoint);
  ASSERT_TRUE(server.waitForLine("* [1001 127.0.0.1:", std::chrono::seconds(30)));
  long before = server.rssKiB();
  // 16 MB for client 1, far past what its socket buffers and the cap hold.
  std::string line = "@1 " + std::string(8000, 'x') + "\n";
  std::string flood;
  for (int i = 0; i < 2000; ++i) flood += line;
  ASSERT_TRUE(server.type(flood));
  ASSERT_TRUE(server.type("@all hello everyone\n"));
  EXPECT_TRUE(server.waitForLine("* [1 127.0.0.1:", std::chrono::seconds(1)));
  auto dropped = server.waitForLine("] disconnected: slow consumer", std::chrono::seconds(30));
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->rfind("* [1 127.0.0.1:", 0), 0u) << *dropped;
  EXPECT_TRUE(server.waitForLine("* sent to all (1000 clients)", std::chrono::seconds(30)));
  int reached = 0;
  for (auto& c : idle) reached += c.recvLine() == std::optional<std::string>("hello everyone");
  EXPECT_EQ(reached, 1000);
  long growthKiB = server.rssKiB() - before;
  std::cout << "[ measured ] 16 MB for a non-reader with 1000 idle clients: server RSS +"
            << growthKiB << " KiB\n";
  EXPECT_LT(growthKiB, 8 * 1024) << "1 MiB cap: a few MiB at most, not the 16 MB sent";
  idle.clear();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(20)), 0) << server.stderrText();
}

// The echo limits hold for the console: a full server turns clients away, a
// long line closes its sender, a silent client is closed when idle.
TEST(ConsoleServer, ConnectionLimitLongLinesAndIdleTimeoutApply) {
  ConsoleProcess server({"--listen", "127.0.0.1:0", "--max-connections", "2", "--max-line", "16",
                         "--idle-timeout", "1"},
                        stdinIs(ConsoleStdin::Pipe));
  ASSERT_TRUE(server.ready());
  SocketClient talker(*server.endpoint), silent(*server.endpoint);
  ASSERT_TRUE(server.waitForLine("* [2 127.0.0.1:"));
  SocketClient extra(*server.endpoint);
  EXPECT_EQ(extra.recvLine(), "! server full, try again later");
  EXPECT_TRUE(extra.waitClosed());
  ASSERT_TRUE(talker.sendAll(std::string(17, 'x') + "\n"));
  EXPECT_EQ(talker.recvLine(), "! line too long");
  EXPECT_TRUE(talker.waitClosed());
  talker.close();  // onClose, and the line saying why, come once the close completes
  EXPECT_TRUE(server.waitForLine("* [1 127.0.0.1:"));
  EXPECT_TRUE(server.waitForLine("] disconnected: line too long"));
  EXPECT_TRUE(silent.waitClosed());
  silent.close();
  auto idle = server.waitForLine("] disconnected: idle timeout");
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->rfind("* [2 127.0.0.1:", 0), 0u) << *idle;
  for (const auto& l : server.lines()) EXPECT_EQ(l.find(std::string(17, 'x')), std::string::npos);
}

// stdout into a pipe nobody reads (an operator piping into a stalled
// reader): clients and the console are still served, the output backlog is
// bounded, and once stdout is read again a notice says what was dropped.
TEST(ConsoleServer, StdoutNobodyReadsHoldsUpNoOneAndDropsWithANotice) {
  ConsoleProcess::Options options = stdinIs(ConsoleStdin::Pipe);
  options.readStdout = false;
  ConsoleProcess server({"--listen", "127.0.0.1:0"}, options);
  ASSERT_TRUE(server.ready());
  long before = server.rssKiB();
  SocketClient chatty(*server.endpoint), ping(*server.endpoint);
  timeval stall{15, 0};  // a server blocked on its stdout fails the test, not hangs it
  ::setsockopt(chatty.fd(), SOL_SOCKET, SO_SNDTIMEO, &stall, sizeof stall);
  std::string line = std::string(100, 'c') + "\n", burst;
  for (int i = 0; i < 1000; ++i) burst += line;
  for (int i = 0; i < 80; ++i) ASSERT_TRUE(chatty.sendAll(burst));  // 8 MB shown: > 4 MiB
  ASSERT_TRUE(ping.sendAll("ping\n"));
  ASSERT_TRUE(server.type("@2 pong\n"));
  EXPECT_EQ(ping.recvLine(std::chrono::seconds(20)), "pong") << "served with stdout stalled";
  long growthKiB = server.rssKiB() - before;
  std::cout << "[ measured ] 8 MB shown with stdout unread: server RSS +" << growthKiB << " KiB\n";
#ifdef UVR_SANITIZED
  const long kBoundKiB = 24 * 1024;  // ASan's quarantine keeps freed blocks resident
#else
  const long kBoundKiB = 12 * 1024;
#endif
  EXPECT_LT(growthKiB, kBoundKiB) << "two buffers of 4 MiB at most, plus slack";
  server.readStdoutNow();
  auto notice =
      server.waitForLine(" dropped here: the output was not keeping up", std::chrono::seconds(30));
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->rfind("* ", 0), 0u) << *notice;
  chatty.close(), ping.close();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(20)), 0) << server.stderrText();
}

TEST(ConsoleServer, WorkersAndBackplaneAreRefusedWithAReason) {
  auto r = runProgram({UVR_SERVER_BIN, "--protocol", "console", "--workers", "2"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--workers 2 with --protocol console"), std::string::npos) << r.err;
  r = runProgram(
      {UVR_SERVER_BIN, "--protocol", "console", "--backplane", "redis://127.0.0.1:6379"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--backplane needs --protocol chat or irc"), std::string::npos) << r.err;
}
