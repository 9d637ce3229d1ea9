// Log lines a peer can cause, flooded: the real server process logs a
// bounded number of each, then how many it suppressed, and keeps serving.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

std::size_t countOf(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(LogFlood, RejectedPeersAndBadLinesLogABoundedNumberOfLinesAndACount) {
  ServerProcess server({"--protocol", "chat", "--listen", "127.0.0.1:0", "--max-connections", "1",
                        "--max-line", "100", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  SocketClient member(server.tcp[0]);
  ASSERT_TRUE(member.recvLine().has_value());  // the welcome: it holds the one slot
  // 300 peers over the connection limit, one after another.
  for (int i = 0; i < 300; ++i) {
    SocketClient over(server.tcp[0]);
    EXPECT_EQ(over.recvLine(), "! server full, try again later") << i;
  }
  // The member is still served.
  member.sendAll("/who\n");
  auto who = member.recvLine();
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->rfind("* in lobby: ", 0), 0u) << *who;
  // Then 100 lines too long, each from the one slot, each closing it.
  member.close();
  for (int i = 0; i < 100; ++i) {
    bool welcomed = false;
    for (int attempt = 0; attempt < 100 && !welcomed; ++attempt) {
      SocketClient bad(server.tcp[0]);
      auto welcome = bad.recvLine();
      welcomed = welcome && welcome->rfind("* welcome", 0) == 0;
      if (!welcomed) {  // the slot's last holder is still closing
        std::this_thread::sleep_for(10ms);
        continue;
      }
      bad.sendAll(std::string(200, 'x') + "\n");
      EXPECT_EQ(bad.recvLine(), "! line too long (limit 100 bytes); closing");
      EXPECT_TRUE(bad.waitClosed());
    }
    ASSERT_TRUE(welcomed) << i;
  }
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
  std::string log = server.stderrText();
  std::size_t rejects = countOf(log, "info: reject 127.0.0.1:");
  EXPECT_EQ(rejects, 10u) << log;
  EXPECT_EQ(countOf(log, "reached [more like this within 10 s are counted, not logged]"), 1u)
      << log;
  EXPECT_NE(log.find("rejected_by_limit="), std::string::npos) << log;
  // Every rejected peer was still counted, and the log says how many it left out.
  std::size_t rejectedTotal = 0;
  for (std::size_t at = log.find("rejected_by_limit="); at != std::string::npos;
       at = log.find("rejected_by_limit=", at + 1)) {
    rejectedTotal = std::stoul(log.substr(at + 18));
  }
  EXPECT_GE(rejectedTotal, 300u);
  EXPECT_NE(log.find("[suppressed " + std::to_string(rejectedTotal - 10) +
                     " similar line(s), the last: reject 127.0.0.1:"),
            std::string::npos)
      << log;
  EXPECT_EQ(countOf(log, "info: chat 127.0.0.1:"), 10u) << log;
  EXPECT_NE(log.find("[suppressed 90 similar line(s), the last: chat 127.0.0.1:"),
            std::string::npos)
      << log;
  EXPECT_LT(countOf(log, "\n"), 60u) << log;
}
