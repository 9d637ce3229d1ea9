// uvreactor-server --workers N: one port served by N supervised processes.
// Real processes on loopback; worker pids come from the supervisor's
// "worker K started (pid P)" lines.
#include <gtest/gtest.h>
#include <signal.h>

#include <dirent.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
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

// The processes `pid`'s main thread started, from /proc (Linux: the test
// stops and inspects real processes the way an operator would).
std::vector<pid_t> childrenOf(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> pids;
  for (pid_t child; file >> child;) pids.push_back(child);
  return pids;
}

// The state letter of /proc/PID/stat ('T' stopped, 'Z' zombie), 0 if gone.
char processState(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

// /proc/PID/cmdline: the arguments, each ending in a NUL.
std::string commandLine(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/cmdline");
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// Whether the process has a socket open yet beyond its standard descriptors
// and its status line to the supervisor (fd 3, a socketpair): a worker
// reports ready only after it has bound its listeners.
bool hasSocket(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* fds = ::opendir(dir.c_str());
  if (fds == nullptr) return false;
  bool found = false;
  while (dirent* entry = ::readdir(fds)) {
    char target[64] = {0};
    std::string link = dir + "/" + entry->d_name;
    if (std::atoi(entry->d_name) > 3 && ::readlink(link.c_str(), target, sizeof target - 1) > 0 &&
        std::string_view(target).starts_with("socket:"))
      found = true;
  }
  ::closedir(fds);
  return found;
}

// errno of binding `at` as another program would (0 if the bind succeeded).
int bindError(const Endpoint& at, int type, bool reusePort) {
  int fd = ::socket(at.family(), type, 0);
  if (fd < 0) return errno;
  int on = 1;
  if (reusePort) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  int rc = ::bind(fd, at.sockaddrPtr(), sizeof(sockaddr_in));
  int error = rc == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// The same, from a process of another user (nobody), who may not join the
// port's SO_REUSEPORT group. -1 if this test cannot change user.
int bindErrorAsAnotherUser(const Endpoint& at, int type) {
  if (::geteuid() != 0) return -1;
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(255);
    ::_exit(bindError(at, type, true));
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) != 255 ? WEXITSTATUS(status) : -1;
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

// A worker that hangs before it reports ready (here: stopped with SIGSTOP
// while it starts, as a stuck disk or a debugger would hold it) is killed
// after --worker-ready-timeout and replaced; the "listening" lines come
// once the replacement is ready. The stop must land after the worker's exec
// and before it opens its first socket (it reports ready only after
// binding): /proc tells both, and a start where it came too late is
// repeated.
TEST(Workers, AWorkerThatHangsBeforeReadyIsKilledAndReplaced) {
  const pid_t self = ::getpid();
  for (int attempt = 1;; ++attempt) {
    ASSERT_LE(attempt, 5) << "could not stop a worker before it reported ready";
    std::set<pid_t> before;
    for (pid_t pid : childrenOf(self)) before.insert(pid);
    std::atomic<pid_t> stopped{0};
    std::atomic<bool> tooLate{false}, done{false};
    std::thread stopper([&] {
      auto deadline = std::chrono::steady_clock::now() + 10s;
      pid_t supervisor = 0;
      while (!done && std::chrono::steady_clock::now() < deadline) {
        if (supervisor == 0) {
          for (pid_t pid : childrenOf(self)) {
            if (!before.count(pid)) supervisor = pid;
          }
          continue;
        }
        auto workers = childrenOf(supervisor);
        // Once it runs the worker's program: stopped between fork and exec,
        // it would hold the supervisor inside uv_spawn.
        if (workers.empty() ||
            commandLine(workers[0]).find(std::string("\0--worker\0", 10)) == std::string::npos)
          continue;
        ::kill(workers[0], SIGSTOP);
        while (processState(workers[0]) != 'T' && std::chrono::steady_clock::now() < deadline) {
        }
        if (hasSocket(workers[0])) {
          tooLate = true;
          ::kill(workers[0], SIGCONT);
        }
        stopped = workers[0];
        return;
      }
    });
    ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2", "--worker-ready-timeout",
                          "1", "--log-level", "info"});
    done = true;
    stopper.join();
    if (tooLate) continue;
    ASSERT_NE(stopped.load(), 0) << server.stderrText();
    ASSERT_TRUE(server.ready()) << server.stderrText();
    std::string log = server.stderrText();
    EXPECT_NE(log.find("(pid " + std::to_string(stopped.load()) +
                       ") did not report ready within 1000 ms"),
              std::string::npos)
        << log;
    for (int i = 0; i < 200 && alive(stopped); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(alive(stopped)) << "the hung worker is still there";
    EXPECT_EQ(startedWorkers(server).size(), 3u) << log;
    for (int i = 0; i < 16; ++i) EXPECT_TRUE(echoes(server.tcp[0], numbered("served ", i)));
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait(20s), 0) << server.stderrText();
    return;
  }
}

// Every worker killed at once: until the replacements bind, the supervisor
// still holds the UDP port (as it holds the TCP one), so neither another
// program nor another user can take it. The supervisor is held still
// (SIGSTOP) meanwhile, so the check runs while no worker exists. The held
// reserve takes no datagram: each of many senders gets its echo.
TEST(Workers, WhenEveryWorkerDiesTheUdpPortStaysReserved) {
  ServerProcess server({"--listen", "127.0.0.1:0", "--workers", "2", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  ASSERT_EQ(server.udp.size(), 1u);
  Endpoint port = server.udp[0];
  auto pids = startedWorkers(server);
  ASSERT_EQ(pids.size(), 2u);
  ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);
  for (pid_t pid : pids) ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (pid_t pid : pids) {
    // A zombie: exited, its sockets closed, not yet reaped by the stopped supervisor.
    for (int i = 0; i < 500 && processState(pid) != 'Z'; ++i) std::this_thread::sleep_for(2ms);
    ASSERT_EQ(processState(pid), 'Z') << pid;
  }
  EXPECT_EQ(bindError(port, SOCK_DGRAM, false), EADDRINUSE);
  EXPECT_EQ(bindError(port, SOCK_STREAM, false), EADDRINUSE);
  int asOther = bindErrorAsAnotherUser(port, SOCK_DGRAM);
  if (asOther == -1) {
    std::fprintf(stderr, "note: not root, the bind by another user was not tried\n");
  } else {
    EXPECT_EQ(asOther, EADDRINUSE) << "another user bound the port";
  }
  ASSERT_EQ(::kill(server.pid(), SIGCONT), 0);
  for (int i = 0; i < 500 && startedWorkers(server).size() < 4; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(startedWorkers(server).size(), 4u) << server.stderrText();
  // A replacement has bound once a probe is answered (no "listening" line now).
  UdpClient probe(AF_INET);
  bool answered = false;
  for (int i = 0; i < 50 && !answered; ++i) {
    probe.sendTo(port, "probe");
    answered = probe.recv(100ms) == "probe";
  }
  ASSERT_TRUE(answered) << server.stderrText();
  std::vector<std::unique_ptr<UdpClient>> senders;
  for (int i = 0; i < 64; ++i) senders.push_back(std::make_unique<UdpClient>(AF_INET));
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(senders[i]->sendTo(port, numbered("d", i)));
  for (int i = 0; i < 64; ++i) EXPECT_EQ(senders[i]->recv(), numbered("d", i)) << i;
  EXPECT_TRUE(echoes(server.tcp[0], "tcp too"));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(20s), 0) << server.stderrText();
}

TEST(Workers, ReadyTimeoutIsRangeChecked) {
  for (const char* bad : {"0", "-1", "nan"}) {
    auto r = runProgram({UVR_SERVER_BIN, "--workers", "2", "--worker-ready-timeout", bad,
                         "--listen", "127.0.0.1:0"});
    EXPECT_EQ(r.exitCode, 2) << bad;
    EXPECT_NE(r.err.find("worker-ready-timeout"), std::string::npos) << r.err;
  }
}
