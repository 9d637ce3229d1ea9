// Redis authentication against real redis-servers started by the test, one
// with requirepass and one with an ACL user: RedisLink's AUTH (accepted,
// refused and retried, never logged), then uvreactor-server's flags (the
// password from a private file or the environment, never from argv, never
// in a log; a wrong one leaves chat local-only with the reason logged).
// Every password is made up here, per run.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "redis/RedisLink.hpp"
#include "support/ChatClient.hpp"
#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"

using namespace uvreactor;
using namespace uvreactor::protocols::redis;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

std::string madeUpPassword(const char* tag) {
  std::random_device device;
  std::string out = tag;
  for (int i = 0; i < 12; ++i) out.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[device() % 36]);
  return out;
}

bool runUntil(Loop& loop, const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    loop.runOnce(false);
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

std::string readWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The command line of `pid` and of each of its children (the workers).
std::vector<std::string> commandLines(pid_t pid) {
  std::vector<std::string> out{readWhole("/proc/" + std::to_string(pid) + "/cmdline")};
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = proc ? ::readdir(proc) : nullptr) {
    std::string stat = readWhole(std::string("/proc/") + entry->d_name + "/stat");
    std::size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long parent = 0;
    fields >> state >> parent;
    if (parent == pid) out.push_back(readWhole(std::string("/proc/") + entry->d_name + "/cmdline"));
  }
  if (proc) ::closedir(proc);
  return out;
}

// A directory of this test's own, removed after it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/uvr-auth-XXXXXX";
    path_ = ::mkdtemp(name) ? name : "";
  }
  ~TempDir() {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(path_.c_str());
  }
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = path_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    files_.push_back(path);
    return path;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// Sets a variable in this process's environment (which ServerProcess
// passes on) for one scope.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedVariable() { ::unsetenv(name_); }

 private:
  const char* name_;
};

struct LinkRun {
  bool up = false;
  std::vector<std::string> states;
  uint64_t connects = 0;
  std::string whoami;
  std::string log;
};

// A RedisLink with this user and password, run for `runFor` (or until up
// and answering ACL WHOAMI, when `expectUp`); what it logged.
LinkRun runLink(const Endpoint& at, const std::string& user, const std::string& password,
                bool expectUp, std::chrono::milliseconds runFor = 1500ms) {
  LinkRun run;
  Loop loop;
  RedisOptions options;
  options.initialBackoffMs = 50;
  options.maxBackoffMs = 400;
  options.user = user;
  options.password = password;
  testing::internal::CaptureStderr();
  {
    RedisLink link(
        loop, at, options, [&](bool up) { run.states.push_back(up ? "up" : "down"); }, nullptr);
    link.subscribe("uvr:auth");  // the subscriber connection AUTHs too
    if (expectUp) {
      runUntil(loop, [&] { return link.up(); });
      bool answered = false;
      link.command({"ACL", "WHOAMI"}, [&](const Error& e, const RespValue& v) {
        run.whoami = e             ? "error: " + e.message()
                     : v.isError() ? "-" + v.text
                                   : std::string(v.str());
        answered = true;
      });
      runUntil(loop, [&] { return answered; });
    } else {
      runUntil(
          loop, [] { return false; }, runFor);
    }
    run.up = link.up();
    run.connects = link.stats().connects;
  }
  EXPECT_TRUE(loop.close().ok());
  run.log = testing::internal::GetCapturedStderr();
  return run;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(RedisAuth, RequirepassTheRightPasswordLinksAWrongOneIsRefusedLoggedAndRetried) {
  std::string password = madeUpPassword("req");
  RedisServer redis({password, {}});
  if (!redis.available()) GTEST_SKIP() << redis.why();
  LinkRun good = runLink(redis.endpoint(), "", password, true);
  EXPECT_TRUE(good.up) << good.log;
  EXPECT_EQ(good.whoami, "default");
  EXPECT_EQ(good.states, (std::vector<std::string>{"up"}));

  std::string wrong = madeUpPassword("bad");
  LinkRun bad = runLink(redis.endpoint(), "", wrong, false);
  EXPECT_FALSE(bad.up);
  EXPECT_EQ(bad.states, (std::vector<std::string>{"down"})) << "told once, then kept down";
  EXPECT_NE(bad.log.find("AUTH refused: WRONGPASS"), std::string::npos) << bad.log;
  // Retried with backoff (50 ms doubling to 400 ms, two connections each
  // time): several attempts in 1.5 s, not a tight loop.
  EXPECT_GE(bad.connects, 4u);
  EXPECT_LE(bad.connects, 40u);
  EXPECT_EQ(bad.log.find(wrong), std::string::npos) << "the password is in the log";

  // No password for a Redis that wants one: NOAUTH, not a link that is up
  // and fails every command.
  LinkRun none = runLink(redis.endpoint(), "", "", false, 500ms);
  EXPECT_FALSE(none.up);
  EXPECT_NE(none.log.find("NOAUTH"), std::string::npos) << none.log;
}

TEST(RedisAuth, AnAclUserAuthenticatesWithUserAndPassword) {
  std::string password = madeUpPassword("acl");
  RedisServer redis({"", {"alice on >" + password + " ~* &* +@all"}});
  if (!redis.available()) GTEST_SKIP() << redis.why();
  LinkRun alice = runLink(redis.endpoint(), "alice", password, true);
  EXPECT_TRUE(alice.up) << alice.log;
  EXPECT_EQ(alice.whoami, "alice") << "AUTH alice PASSWORD, not AUTH PASSWORD";
  LinkRun bad = runLink(redis.endpoint(), "alice", password + "x", false, 800ms);
  EXPECT_FALSE(bad.up);
  EXPECT_GE(occurrences(bad.log, "AUTH refused: WRONGPASS"), 2u) << bad.log;
  EXPECT_EQ(bad.log.find(password), std::string::npos);
}

class BackplaneAuth : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& server : servers_) {
      server->signal(SIGTERM);
      EXPECT_EQ(server->wait(), 0) << server->stderrText();
    }
  }
  ServerProcess& startServer(const std::string& url, std::vector<std::string> extra) {
    std::vector<std::string> args{"--protocol",  "chat",        "--listen",
                                  "127.0.0.1:0", "--backplane", url};
    args.insert(args.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ServerProcess>(args));
    EXPECT_TRUE(servers_.back()->ready()) << servers_.back()->stderrText();
    return *servers_.back();
  }
  // Not in the command line of the server, of its `workers`, of Redis, nor
  // in the server's log.
  void expectNowhere(const std::string& secret, const RedisServer& redis, std::size_t workers = 0) {
    for (const auto& server : servers_) {
      auto lines = commandLines(server->pid());
      EXPECT_EQ(lines.size(), 1 + workers);
      for (const auto& line : lines) EXPECT_EQ(line.find(secret), std::string::npos);
      EXPECT_EQ(server->stderrText().find(secret), std::string::npos) << server->stderrText();
    }
    EXPECT_EQ(readWhole("/proc/" + std::to_string(redis.pid()) + "/cmdline").find(secret),
              std::string::npos);
  }
  std::vector<std::unique_ptr<ServerProcess>> servers_;
  TempDir dir_;
};

TEST_F(BackplaneAuth, WorkersAuthAsAnAclUserFromAPasswordFileAndTheSecretShowsNowhere) {
  std::string password = madeUpPassword("file");
  RedisServer redis({"", {"default off", "carol on >" + password + " ~* &* +@all"}});
  if (!redis.available()) GTEST_SKIP() << redis.why();
  std::string file = dir_.write("password", password + "\n", 0600);
  ServerProcess& server =
      startServer("redis://carol@" + redis.endpoint().toString() + "/t",
                  {"--backplane-password-file", file, "--workers", "2", "--log-level", "info"});
  std::vector<std::unique_ptr<ChatClient>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(std::make_unique<ChatClient>(server.tcp[0]));
  // The two workers are linked when both are in Redis's set of servers.
  std::string servers;
  for (int i = 0; i < 200 && servers != "2"; ++i) {
    std::this_thread::sleep_for(25ms);
    ScopedVariable auth("REDISCLI_AUTH", password);
    servers = runProgram({"/usr/bin/redis-cli", "-p", std::to_string(redis.port()), "--user",
                          "carol", "SCARD", "t:servers"})
                  .out;
    while (!servers.empty() && servers.back() == '\n') servers.pop_back();
  }
  EXPECT_EQ(servers, "2") << server.stderrText();
  expectNowhere(password, redis, 2);
}

TEST_F(BackplaneAuth, ThePasswordFromTheEnvironmentLinks) {
  std::string password = madeUpPassword("env");
  RedisServer redis({password, {}});
  if (!redis.available()) GTEST_SKIP() << redis.why();
  ScopedVariable variable("UVR_BACKPLANE_PASSWORD", password);
  startServer("redis://" + redis.endpoint().toString() + "/t", {"--log-level", "info"});
  for (int i = 0; i < 200 && redis.cli({"SCARD", "t:servers"}) != "1"; ++i)
    std::this_thread::sleep_for(25ms);
  EXPECT_EQ(redis.cli({"SCARD", "t:servers"}), "1") << servers_[0]->stderrText();
  expectNowhere(password, redis);
}

TEST_F(BackplaneAuth, AWrongPasswordLeavesChatLocalOnlyWithTheReasonLogged) {
  std::string password = madeUpPassword("right");
  RedisServer redis({password, {}});
  if (!redis.available()) GTEST_SKIP() << redis.why();
  std::string wrong = madeUpPassword("wrong");
  std::string file = dir_.write("wrong", wrong, 0400);
  ServerProcess& server = startServer("redis://" + redis.endpoint().toString() + "/t",
                                      {"--backplane-password-file", file});
  ChatClient alice(server.tcp[0]);
  ChatClient bob(server.tcp[0]);
  ASSERT_TRUE(alice.connected() && bob.connected());
  bob.say("local still works");
  EXPECT_TRUE(alice.waitFor(bob.nick + ": local still works"));
  std::this_thread::sleep_for(500ms);
  std::string log = server.stderrText();
  EXPECT_NE(log.find("AUTH refused: WRONGPASS"), std::string::npos) << log;
  EXPECT_NE(log.find("backplane: link down"), std::string::npos) << log;
  EXPECT_EQ(redis.cli({"SCARD", "t:servers"}), "0") << "never linked";
  expectNowhere(wrong, redis);
}

TEST(BackplaneAuthUsage, APasswordOnTheCommandLineOrInAnOpenFileIsRefused) {
  TempDir dir;
  std::string password = madeUpPassword("argv");
  auto inUrl = runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--backplane",
                           "redis://alice:" + password + "@127.0.0.1:6379/t"});
  EXPECT_EQ(inUrl.exitCode, 2);
  EXPECT_NE(inUrl.err.find("no password in the URL"), std::string::npos) << inUrl.err;
  EXPECT_NE(inUrl.err.find("--backplane-password-file"), std::string::npos) << inUrl.err;
  EXPECT_EQ(inUrl.err.find(password), std::string::npos) << "the refusal repeats the password";

  std::string open = dir.write("open", password + "\n", 0644);
  auto readable = runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--backplane",
                              "redis://127.0.0.1:6379/t", "--backplane-password-file", open});
  EXPECT_EQ(readable.exitCode, 2);
  EXPECT_NE(readable.err.find("mode 0644"), std::string::npos) << readable.err;
  EXPECT_EQ(readable.err.find(password), std::string::npos);

  auto noPassword = runProgram(
      {UVR_SERVER_BIN, "--protocol", "chat", "--backplane", "redis://alice@127.0.0.1:6379/t"});
  EXPECT_EQ(noPassword.exitCode, 2);
  EXPECT_NE(noPassword.err.find("needs a password"), std::string::npos) << noPassword.err;

  std::string empty = dir.write("empty", "\n", 0600);
  auto blank = runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--backplane",
                           "redis://127.0.0.1:6379/t", "--backplane-password-file", empty});
  EXPECT_EQ(blank.exitCode, 2);
  EXPECT_NE(blank.err.find("is empty"), std::string::npos) << blank.err;
}
