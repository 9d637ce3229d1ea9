// The backplane over TLS (rediss://) through a real redis-server that
// listens on TLS only (port 0, tls-port), with certificates made for this
// run (TestCertificates): a line crosses between two servers (IPv4 and
// IPv6), Redis restarted and the link back, workers linked from the flags
// the supervisor copies; and the refusals: a wrong CA, a wrong name, a
// client certificate Redis rejects, each keeping the link down with the
// reason logged (rate-limited) while chat goes on local-only.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "redis/RedisLink.hpp"
#include "support/ChatClient.hpp"
#include "support/RedisServer.hpp"
#include "support/ServerProcess.hpp"
#include "support/TestCertificates.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

const std::string kLocal =
    "* room lobby is local-only: the link to other servers is down; members elsewhere do not "
    "hear it";
const std::string kShared = "* room lobby is shared with other servers again";

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A redis-server on TLS only; demanding client certificates, and on ::1
// too, if asked.
RedisServerOptions tlsOnly(bool authClients = false, bool ipv6 = false) {
  RedisServerOptions options;
  options.tls = true;
  options.tlsAuthClients = authClients;
  options.ipv6 = ipv6;
  return options;
}

class TlsBackplane : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& server : servers_) {
      server->signal(SIGTERM);
      EXPECT_EQ(server->wait(), 0) << server->stderrText();
    }
  }
  // A chat server on `redis` (TLS only) over rediss://, trusting the test
  // CA unless `extra` says otherwise.
  ServerProcess& startServer(const RedisServer& redis, std::vector<std::string> extra = {},
                             bool ipv6 = false) {
    std::string at = (ipv6 ? redis.endpoint6() : redis.endpoint()).toString();
    std::vector<std::string> args{"--protocol",  "chat",        "--listen",
                                  "127.0.0.1:0", "--backplane", "rediss://" + at + "/t"};
    bool caGiven = false;
    for (const auto& a : extra) caGiven = caGiven || a == "--backplane-tls-ca";
    if (!caGiven) extra.insert(extra.begin(), {"--backplane-tls-ca", certs().caCert});
    args.insert(args.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ServerProcess>(args));
    EXPECT_TRUE(servers_.back()->ready()) << servers_.back()->stderrText();
    return *servers_.back();
  }
  static const TestCertificates& certs() { return TestCertificates::shared(); }
  // Redis's count of linked servers reaches `n`.
  static bool linked(const RedisServer& redis, const std::string& n) {
    for (int i = 0; i < 200 && redis.cli({"SCARD", "t:servers"}) != n; ++i)
      std::this_thread::sleep_for(25ms);
    return redis.cli({"SCARD", "t:servers"}) == n;
  }
  static void waitSubscribed(const RedisServer& redis, std::size_t servers) {
    std::string want = std::to_string(servers);
    for (int i = 0; i < 200; ++i) {
      std::string out = redis.cli({"PUBSUB", "NUMSUB", "t:room:lobby"});
      if (out.substr(out.rfind('\n') + 1) == want) return;
      std::this_thread::sleep_for(25ms);
    }
    ADD_FAILURE() << servers << " servers never all subscribed to lobby";
  }
  // A server whose link must stay down: its members chat locally, the
  // reason is in its log, and Redis never saw it.
  static void expectLocalOnly(ServerProcess& server, const RedisServer& redis,
                              const std::string& reason) {
    ChatClient alice(server.tcp[0]);
    ChatClient bob(server.tcp[0]);
    ASSERT_TRUE(alice.connected() && bob.connected());
    EXPECT_TRUE(alice.waitFor(kLocal, 5s)) << server.stderrText();
    bob.say("local still works");
    EXPECT_TRUE(alice.waitFor(bob.nick + ": local still works"));
    std::string log;
    for (int i = 0; i < 200 && log.find(reason) == std::string::npos; ++i) {
      std::this_thread::sleep_for(25ms);
      log = server.stderrText();
    }
    EXPECT_NE(log.find(reason), std::string::npos) << log;
    EXPECT_NE(log.find("backplane: link down"), std::string::npos) << log;
    EXPECT_EQ(log.find("linked through"), std::string::npos) << log;
    EXPECT_EQ(redis.cli({"GET", "t:nick:" + alice.nick}), "") << "it reached Redis";
  }
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

class TlsBackplaneFamily : public TlsBackplane, public ::testing::WithParamInterface<bool> {};

}  // namespace

TEST_P(TlsBackplaneFamily, TwoServersThroughATlsOnlyRedisShareALine) {
  bool ipv6 = GetParam();
  RedisServer redis(tlsOnly(false, ipv6));
  if (!redis.available()) GTEST_SKIP() << redis.why();
  // Only TLS answers: a plaintext PING on its port gets no PONG.
  auto plain =
      runProgram({"/usr/bin/redis-cli", "-p", std::to_string(redis.port()), "PING"}, "", 5s);
  EXPECT_EQ(plain.out.find("PONG"), std::string::npos) << plain.out;
  startServer(redis, {}, ipv6);
  startServer(redis, {}, ipv6);
  ChatClient alice(servers_[0]->tcp[0]);
  ChatClient bob(servers_[1]->tcp[0]);
  ASSERT_TRUE(alice.rename("alice") && bob.rename("bob"));
  waitSubscribed(redis, 2);
  alice.say("over tls");
  EXPECT_TRUE(bob.waitFor("alice: over tls")) << servers_[1]->stderrText();
  EXPECT_FALSE(bob.rename("alice")) << "the nick is claimed across servers";
}

INSTANTIATE_TEST_SUITE_P(Ip, TlsBackplaneFamily, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "IPv6" : "IPv4";
                         });

TEST_F(TlsBackplane, RedisRestartedTheLinkComesBackAndALineCrossesAgain) {
  RedisServer redis(tlsOnly());
  if (!redis.available()) GTEST_SKIP() << redis.why();
  startServer(redis);
  startServer(redis);
  ChatClient alice(servers_[0]->tcp[0]);
  ChatClient bob(servers_[1]->tcp[0]);
  ASSERT_TRUE(alice.rename("alice") && bob.rename("bob"));
  waitSubscribed(redis, 2);
  redis.kill();
  for (auto* c : {&alice, &bob}) EXPECT_TRUE(c->waitFor(kLocal, 10s));
  ASSERT_TRUE(redis.restart());  // same port, no data
  for (auto* c : {&alice, &bob}) EXPECT_TRUE(c->waitFor(kShared, 15s));
  waitSubscribed(redis, 2);
  alice.say("after the restart");
  EXPECT_TRUE(bob.waitFor("alice: after the restart")) << servers_[1]->stderrText();
}

TEST_F(TlsBackplane, WorkersLinkWithTheTlsFlagsTheSupervisorPassesOn) {
  RedisServer redis(tlsOnly(true));
  if (!redis.available()) GTEST_SKIP() << redis.why();
  startServer(redis, {"--workers", "2", "--backplane-tls-cert", certs().clientCert,
                      "--backplane-tls-key", certs().clientKey});
  std::vector<std::unique_ptr<ChatClient>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(std::make_unique<ChatClient>(servers_[0]->tcp[0]));
  EXPECT_TRUE(linked(redis, "2")) << servers_[0]->stderrText();
}

TEST_F(TlsBackplane, AWrongCaKeepsTheLinkDownAndSaysWhy) {
  RedisServer redis(tlsOnly());
  if (!redis.available()) GTEST_SKIP() << redis.why();
  ServerProcess& server = startServer(redis, {"--backplane-tls-ca", certs().otherCaCert});
  expectLocalOnly(server, redis, "certificate verify failed");
  EXPECT_EQ(redis.cli({"SCARD", "t:servers"}), "0");
}

TEST_F(TlsBackplane, ACertificateForAnotherNameKeepsTheLinkDown) {
  RedisServer redis(tlsOnly());
  if (!redis.available()) GTEST_SKIP() << redis.why();
  ServerProcess& server = startServer(redis, {"--backplane-tls-name", "redis.example"});
  expectLocalOnly(server, redis, "hostname mismatch");
  // The same Redis by the name its certificate has: linked.
  startServer(redis, {"--backplane-tls-name", "localhost"});
  EXPECT_TRUE(linked(redis, "1")) << servers_.back()->stderrText();
}

TEST_F(TlsBackplane, AClientCertificateRedisRejectsKeepsTheLinkDown) {
  RedisServer redis(tlsOnly(true));
  if (!redis.available()) GTEST_SKIP() << redis.why();
  // Expired (and made for a server): Redis's verification fails it.
  ServerProcess& expired = startServer(redis, {"--backplane-tls-cert", certs().expiredCert,
                                               "--backplane-tls-key", certs().expiredKey});
  expectLocalOnly(expired, redis, "link lost: TLS read");
  ServerProcess& none = startServer(redis);
  expectLocalOnly(none, redis, "link lost: TLS read");
  // The client certificate Redis's CA signed: linked.
  startServer(redis, {"--backplane-tls-cert", certs().clientCert, "--backplane-tls-key",
                      certs().clientKey});
  EXPECT_TRUE(linked(redis, "1")) << servers_.back()->stderrText();
}

TEST(TlsRedisLink, ARefusedHandshakeIsRetriedWithItsReasonLoggedAFewTimesNotAtEachRetry) {
  RedisServer redis(tlsOnly());
  if (!redis.available()) GTEST_SKIP() << redis.why();
  TlsClientOptions o;
  o.caFile = TestCertificates::shared().otherCaCert;
  auto ctx = TlsContext::client(o);
  ASSERT_TRUE(ctx) << ctx.error().message();
  protocols::redis::RedisOptions options;
  options.initialBackoffMs = 5;
  options.maxBackoffMs = 10;
  options.tls = *ctx;
  Loop loop;
  std::vector<bool> states;
  uint64_t attempts = 0;
  testing::internal::CaptureStderr();
  {
    protocols::redis::RedisLink link(
        loop, redis.endpoint(), options, [&](bool up) { states.push_back(up); }, nullptr);
    auto end = std::chrono::steady_clock::now() + 1500ms;
    while (std::chrono::steady_clock::now() < end) loop.runOnce(false);
    EXPECT_FALSE(link.up());
    attempts = link.stats().connects;
  }
  EXPECT_TRUE(loop.close().ok());
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(states, std::vector<bool>{false}) << "told once, then kept down";
  std::size_t lines = occurrences(log, "certificate verify failed");
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LE(lines, 6u) << "a line per retry: " << log;
  EXPECT_EQ(attempts, 0u) << "no connection was ever handed to the link";
}

TEST(TlsBackplaneUsage, TlsFlagsNeedRedissAndTheirFilesMustLoad) {
  const auto& certs = TestCertificates::shared();
  auto plain = runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--backplane",
                           "redis://127.0.0.1:6379/t", "--backplane-tls-ca", certs.caCert});
  EXPECT_EQ(plain.exitCode, 2);
  EXPECT_NE(plain.err.find("need --backplane rediss://"), std::string::npos) << plain.err;
  auto halfPair =
      runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--backplane", "rediss://127.0.0.1:6379/t",
                  "--backplane-tls-cert", certs.clientCert});
  EXPECT_EQ(halfPair.exitCode, 2);
  EXPECT_NE(halfPair.err.find("go together"), std::string::npos) << halfPair.err;
  std::string missing = certs.dir + "/no-such-ca.pem";
  auto noFile =
      runProgram({UVR_SERVER_BIN, "--protocol", "chat", "--listen", "127.0.0.1:0", "--backplane",
                  "rediss://127.0.0.1:6379/t", "--backplane-tls-ca", missing});
  EXPECT_EQ(noFile.exitCode, 1);
  EXPECT_NE(noFile.err.find(missing), std::string::npos) << noFile.err;
}
