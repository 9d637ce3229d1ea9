// uvreactor-server --workers N: one port served by N supervised processes.
// Real processes on loopback; worker pids come from the supervisor's
// "worker K started (pid P)" lines.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

// Worker pids in the order the supervisor started them.
std::vector<pid_t> startedWorkers(const ServerProcess& server) {
  std::vector<pid_t> pids;
  std::string log = server.stderrText();
  std::regex started(R"(worker \d+ started \(pid (\d+)\))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), started);
       it != std::sregex_iterator(); ++it) {
    pids.push_back(static_cast<pid_t>(std::stol((*it)[1])));
  }
  return pids;
}

// accepted= of each worker's stats line at shutdown, by worker number.
std::map<int, long> acceptedPerWorker(const std::string& log) {
  std::map<int, long> accepted;
  std::regex line(R"(worker (\d+) info: stats [^ ]+: accepted=(\d+))");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
       ++it) {
    accepted[std::stoi((*it)[1])] += std::stol((*it)[2]);
  }
  return accepted;
}

bool echoes(const Endpoint& at, const std::string& text) {
  SocketClient c(at);
  if (!c.connected() || !c.sendAll(text + "\n")) return false;
  return c.recvLine() == text;
}

// "prefix" followed by i, built by appending: GCC 12 at -O3 reports a false
// -Wrestrict for `"literal" + std::to_string(i)`.
std::string numbered(const char* prefix, int i) {
  std::string text = prefix;
  text += std::to_string(i);
  return text;
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST(Workers, TwoWorkersServeTcpAndUdpOnOnePortAndBothTakeConnections) {
  ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  ASSERT_EQ(server.udp.size(), 1u);
  EXPECT_EQ(server.udp[0].port(), server.tcp[0].port());
  EXPECT_EQ(startedWorkers(server).size(), 2u);
  std::vector<SocketClient> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back(server.tcp[0]);
    ASSERT_TRUE(clients.back().sendAll(numbered("n", i) + "\n"));
  }
  for (int i = 0; i < 64; ++i) EXPECT_EQ(clients[i].recvLine(), numbered("n", i));
  UdpClient udp(AF_INET);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(udp.sendTo(server.udp[0], numbered("d", i)));
    EXPECT_EQ(udp.recv(), numbered("d", i));
  }
  clients.clear();
  server.signal(SIGTERM);
  ASSERT_EQ(server.wait(20s), 0) << server.stderrText();
  auto accepted = acceptedPerWorker(server.stderrText());
  ASSERT_EQ(accepted.size(), 2u) << server.stderrText();
  // The kernel hashes connections over the workers: each gets some, in no
  // exact proportion.
  EXPECT_GT(accepted[1], 0);
  EXPECT_GT(accepted[2], 0);
  EXPECT_EQ(accepted[1] + accepted[2], 64);
  EXPECT_NE(server.stderrText().find(numbered("stats total 127.0.0.1:", server.tcp[0].port()) +
                                     ": accept_errors=0 accepted=64"),
            std::string::npos)
      << server.stderrText();
}

TEST(Workers, AKilledWorkerIsReplacedWhileTheOtherServes) {
  ServerProcess server(
      {"--listen", "[::1]:0", "--no-udp", "--workers", "2", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  auto pids = startedWorkers(server);
  ASSERT_EQ(pids.size(), 2u);
  std::vector<SocketClient> clients;
  for (int i = 0; i < 32; ++i) {
    clients.emplace_back(server.tcp[0]);
    ASSERT_TRUE(clients.back().sendAll("before\n"));
    ASSERT_EQ(clients.back().recvLine(), "before");
  }
  ASSERT_EQ(::kill(pids[0], SIGKILL), 0);
  // Its clients see their connection end; the others keep being served.
  int ended = 0;
  for (auto& c : clients) {
    c.sendAll("after\n");
    auto line = c.recvLine(2s);
    if (!line) {
      ++ended;
    } else {
      EXPECT_EQ(*line, "after");
    }
  }
  EXPECT_GT(ended, 0) << "no client was on the killed worker";
  EXPECT_LT(ended, 32);
  for (int i = 0; i < 300 && startedWorkers(server).size() < 3; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(startedWorkers(server).size(), 3u) << server.stderrText();
  for (int i = 0; i < 32; ++i) EXPECT_TRUE(echoes(server.tcp[0], numbered("new ", i)));
  clients.clear();
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(20s), 0) << server.stderrText();
}

TEST(Workers, WorkersThatKeepDyingMakeTheSupervisorGiveUp) {
  ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  std::set<pid_t> killed;
  // (The supervisor stays a zombie until wait(): watch its log instead.)
  for (int i = 0; i < 1500 && server.stderrText().find("giving up") == std::string::npos; ++i) {
    for (pid_t pid : startedWorkers(server)) {
      if (killed.insert(pid).second) ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server.wait(5s), 1);
  EXPECT_NE(server.stderrText().find("giving up"), std::string::npos) << server.stderrText();
  for (pid_t pid : startedWorkers(server)) EXPECT_FALSE(alive(pid)) << pid;
}

TEST(Workers, SigtermUnderLoadDrainsEveryWorkerAndLeavesNoneBehind) {
  ServerProcess server(
      {"--listen", "127.0.0.1:0", "--no-udp", "--workers", "2", "--shutdown-timeout", "20"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  const std::size_t total = std::size_t{2} << 20;
  std::vector<SocketClient> clients;
  for (int i = 0; i < 8; ++i) clients.emplace_back(server.tcp[0], 8192);
  std::vector<std::thread> writers;
  for (auto& c : clients) writers.emplace_back([&c] { c.sendAll(std::string(total, 'w')); });
  std::vector<std::string> got;
  for (auto& c : clients) got.push_back(c.recvExact(256 << 10, 10s));
  server.signal(SIGTERM);
  for (auto& w : writers) w.join();
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto rest = clients[i].recvUntilEof(30s);
    ASSERT_TRUE(rest.has_value()) << "client " << i << ": no orderly EOF after shutdown";
    EXPECT_EQ(got[i].size(), 256u << 10);
    EXPECT_LE(got[i].size() + rest->size(), total);
  }
  clients.clear();
  EXPECT_EQ(server.wait(30s), 0) << server.stderrText();
}

TEST(Workers, WorkersDieWithTheSupervisor) {
  ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  auto pids = startedWorkers(server);
  ASSERT_EQ(pids.size(), 2u);
  server.signal(SIGKILL);
  server.wait(5s);
  for (pid_t pid : pids) {
    for (int i = 0; i < 200 && alive(pid); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(alive(pid)) << "worker " << pid << " outlived its supervisor";
  }
}

TEST(Workers, SigtermRightAfterTheListeningLinesExitsCleanly) {
  for (int i = 0; i < 10; ++i) {
    ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2"});
    ASSERT_TRUE(server.ready()) << server.stderrText();
    server.signal(SIGTERM);
    ASSERT_EQ(server.wait(10s), 0) << "run " << i << ": " << server.stderrText();
  }
}

TEST(Workers, ChatWithSeveralWorkersIsAUsageErrorNamingTheBackplane) {
  auto r = runProgram(
      {UVR_SERVER_BIN, "--protocol", "chat", "--workers", "2", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.err.find("--backplane"), std::string::npos) << r.err;
  auto bad = runProgram({UVR_SERVER_BIN, "--workers", "0", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(bad.exitCode, 2);
  EXPECT_NE(bad.err.find("--workers must be"), std::string::npos) << bad.err;
}
