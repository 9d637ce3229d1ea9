// uvreactor-server --workers N with --tls-listen: every worker serves the
// TLS ports, SIGUSR2 to the supervisor reloads every worker's certificate,
// SIGTERM ends every session with close_notify. Real processes, clients
// nobody here wrote (openssl s_client, Python's ssl); which worker served a
// connection comes from the workers' own counts (SIGUSR1).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "support/ConsoleProcess.hpp"
#include "support/ServerProcess.hpp"
#include "support/TestCertificates.hpp"
#include "support/TlsPeers.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Each worker's accepted= on `address` now: SIGUSR1 makes every worker
// print its counts; the newest line of each is read.
std::map<int, long> acceptedNow(ServerProcess& server, const Endpoint& address, int workers) {
  std::string marker = ": stats " + address.toString() + ": accepted=";
  std::size_t before = occurrences(server.stderrText(), marker);
  server.signal(SIGUSR1);
  for (int i = 0; i < 200 && occurrences(server.stderrText(), marker) < before + workers; ++i)
    std::this_thread::sleep_for(20ms);
  std::map<int, long> accepted;
  std::istringstream log(server.stderrText());
  const std::string prefix = "uvreactor-server worker ";
  for (std::string line; std::getline(log, line);) {
    std::size_t at = line.find(marker);
    if (line.rfind(prefix, 0) != 0 || at == std::string::npos) continue;
    accepted[std::atoi(line.c_str() + prefix.size())] =
        std::atol(line.c_str() + at + marker.size());
  }
  return accepted;
}

// The subject of the certificate a new handshake on `at` is shown.
std::string subjectAt(const Endpoint& at) {
  return runProgram({"/bin/sh", "-c",
                     "echo | openssl s_client -connect " + at.toString() +
                         " 2>/dev/null | grep '^subject='"})
      .out;
}

bool bothGrew(const std::map<int, long>& now, const std::map<int, long>& then) {
  for (int k : {1, 2}) {
    auto n = now.find(k), t = then.find(k);
    if (n == now.end() || t == then.end() || n->second <= t->second) return false;
  }
  return true;
}

}  // namespace

TEST(WorkersTls, EveryWorkerServesTlsReloadsOnSigusr2AndEndsSessionsWithCloseNotify) {
  const auto& certs = TestCertificates::shared();
  namespace fs = std::filesystem;
  std::string cert = certs.dir + "/workers-cert.pem", key = certs.dir + "/workers-key.pem";
  auto put = [&](const std::string& c, const std::string& k) {
    fs::copy_file(c, cert, fs::copy_options::overwrite_existing);
    fs::copy_file(k, key, fs::copy_options::overwrite_existing);
  };
  put(certs.serverCert, certs.serverKey);
  ServerProcess server(
      {"--workers", "2", "--tls-cert", cert, "--tls-key", key, "--tls-listen", "127.0.0.1:0",
       "--tls-listen", "[::1]:0", "--no-udp", "--log-level", "info"},
      2);
  ASSERT_EQ(server.tls.size(), 2u) << server.stderrText();
  EXPECT_NE(server.tls[0].port(), 0);
  const Endpoint& at = server.tls[0];

  // A session opened before the reload, kept through it.
  ChildProgram open(sClientCommand(at, certs.caCert));
  ASSERT_TRUE(open.type("before the reload\n"));
  ASSERT_TRUE(waitForOutput(open, "before the reload\n")) << open.err();
  EXPECT_NE(subjectAt(server.tls[1]).find("CN = localhost\n"), std::string::npos);

  put(certs.server2Cert, certs.server2Key);
  server.signal(SIGUSR2);
  auto logged = [&](const std::string& what, std::size_t times) {
    for (int i = 0; i < 200 && occurrences(server.stderrText(), what) < times; ++i)
      std::this_thread::sleep_for(20ms);
    return occurrences(server.stderrText(), what) >= times;
  };
  EXPECT_TRUE(logged("TLS certificate and key reloaded", 2)) << server.stderrText();
  EXPECT_TRUE(logged("worker 1 info: TLS certificate and key reloaded", 1));
  EXPECT_TRUE(logged("worker 2 info: TLS certificate and key reloaded", 1));

  // New handshakes until both workers have served some: each shows the new pair.
  std::map<int, long> then = acceptedNow(server, at, 2), now = then;
  for (int i = 0; i < 64 && !bothGrew(now, then); ++i) {
    ASSERT_NE(subjectAt(at).find("localhost-reloaded"), std::string::npos) << server.stderrText();
    if (i % 4 == 3) now = acceptedNow(server, at, 2);
  }
  EXPECT_TRUE(bothGrew(now, then)) << server.stderrText();

  // A pair that does not load: each worker logs it and keeps the one it has.
  put(certs.serverCert, certs.server2Key);
  server.signal(SIGUSR2);
  EXPECT_TRUE(logged("TLS reload failed, keeping the current certificate", 2))
      << server.stderrText();
  EXPECT_NE(subjectAt(at).find("localhost-reloaded"), std::string::npos);

  ASSERT_TRUE(open.type("after the reload\n"));
  EXPECT_TRUE(waitForOutput(open, "after the reload\n")) << open.err();

  // Sessions on both workers, each waiting for the server to end it.
  std::vector<std::unique_ptr<ChildProgram>> waiting;
  then = acceptedNow(server, at, 2);
  now = then;
  while (waiting.size() < 24 && !(waiting.size() >= 2 && bothGrew(now, then))) {
    waiting.push_back(
        std::make_unique<ChildProgram>(pythonTlsCommand(at, "wait", {"ca=" + certs.caCert})));
    ASSERT_TRUE(waitForOutput(*waiting.back(), "TLSv1")) << waiting.back()->err();
    now = acceptedNow(server, at, 2);
  }
  ASSERT_TRUE(bothGrew(now, then)) << "both workers hold a waiting session";
  server.signal(SIGTERM);
  for (auto& w : waiting) {
    EXPECT_EQ(w->wait(), 0) << w->err();
    EXPECT_NE(w->out().find("close_notify"), std::string::npos) << w->out() << w->err();
  }
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(WorkersTls, ACertificateThatDoesNotLoadStopsTheSupervisorAtOnce) {
  const auto& certs = TestCertificates::shared();
  std::string missing = certs.dir + "/absent-key.pem";
  auto r = runProgram({UVR_SERVER_BIN, "--workers", "2", "--tls-listen", "127.0.0.1:0",
                       "--tls-cert", certs.serverCert, "--tls-key", missing});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "uvreactor-server: TLS key " + missing + ": No such file or directory\n");
}
