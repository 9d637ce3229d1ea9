// uvreactor-server's TLS flags and uvreactor-client's --tls, as programs:
// ready lines, exit codes and messages, SIGUSR2 reloads, close_notify on
// SIGTERM. Certificates come from TestCertificates.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <thread>

#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"
#include "support/TlsPeers.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

std::vector<std::string> tlsArgs(const TestCertificates& c, std::vector<std::string> more) {
  std::vector<std::string> args{"--tls-cert", c.serverCert, "--tls-key", c.serverKey, "--no-udp"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

ProcessResult client(const Endpoint& at, std::vector<std::string> flags, const std::string& input) {
  std::vector<std::string> argv{UVR_CLIENT_BIN, at.host(), std::to_string(at.port()), "--tls"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return runProgram(argv, input, std::chrono::seconds(20));
}

}  // namespace

TEST(TlsProgram, EchoesOverTlsBesidePlaintextOnBothFamilies) {
  const auto& certs = TestCertificates::shared();
  ServerProcess server(tlsArgs(certs, {"--tls-listen", "127.0.0.1:0", "--tls-listen", "[::1]:0",
                                       "--listen", "127.0.0.1:0"}),
                       3);
  ASSERT_EQ(server.tls.size(), 2u) << server.stderrText();
  ASSERT_EQ(server.tcp.size(), 1u);
  EXPECT_NE(server.tls[0].port(), 0);
  for (const Endpoint& at : server.tls) {
    // By name (SNI localhost) and by address (the certificate's IP names).
    auto byName = client(at, {"--tls-ca", certs.caCert, "--tls-server-name", "localhost"},
                         "hello over tls\n");
    EXPECT_EQ(byName.exitCode, 0) << byName.err;
    EXPECT_EQ(byName.out, "hello over tls\n");
    auto byAddress = client(at, {"--tls-ca", certs.caCert}, "by address\n");
    EXPECT_EQ(byAddress.exitCode, 0) << byAddress.err;
    EXPECT_EQ(byAddress.out, "by address\n");
  }
  SocketClient plain(server.tcp[0]);
  ASSERT_TRUE(plain.sendAll("plain\n"));
  EXPECT_EQ(plain.recvLine(), "plain");
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
}

TEST(TlsProgram, UsageAndCertificateErrors) {
  const auto& certs = TestCertificates::shared();
  auto noCert = runProgram({UVR_SERVER_BIN, "--tls-listen", "127.0.0.1:0"});
  EXPECT_EQ(noCert.exitCode, 2);
  EXPECT_NE(noCert.err.find("--tls-listen needs --tls-cert and --tls-key"), std::string::npos)
      << noCert.err;
  auto noCa = runProgram({UVR_SERVER_BIN, "--tls-listen", "127.0.0.1:0", "--tls-cert",
                          certs.serverCert, "--tls-key", certs.serverKey, "--tls-verify-client"});
  EXPECT_EQ(noCa.exitCode, 2) << noCa.err;
  std::string missing = certs.dir + "/absent-key.pem";
  auto bad = runProgram({UVR_SERVER_BIN, "--tls-listen", "127.0.0.1:0", "--tls-cert",
                         certs.serverCert, "--tls-key", missing});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_EQ(bad.err, "uvreactor-server: TLS key " + missing + ": No such file or directory\n");
  auto mismatch = runProgram({UVR_SERVER_BIN, "--tls-listen", "127.0.0.1:0", "--tls-cert",
                              certs.serverCert, "--tls-key", certs.server2Key});
  EXPECT_EQ(mismatch.exitCode, 1);
  EXPECT_NE(mismatch.err.find("does not match certificate"), std::string::npos) << mismatch.err;
  auto help = runProgram({UVR_SERVER_BIN, "--help"});
  EXPECT_NE(help.out.find("--tls-listen"), std::string::npos);
}

TEST(TlsProgram, TheClientSaysWhyVerificationFailedAndWarnsWhenInsecure) {
  const auto& certs = TestCertificates::shared();
  ServerProcess server(tlsArgs(certs, {"--tls-listen", "127.0.0.1:0"}));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  const Endpoint& at = server.tls[0];
  auto unknownCa = client(at, {"--tls-ca", certs.otherCaCert}, "x\n");
  EXPECT_EQ(unknownCa.exitCode, 1);
  EXPECT_NE(unknownCa.err.find("unable to get local issuer certificate"), std::string::npos)
      << unknownCa.err;
  auto wrongName =
      client(at, {"--tls-ca", certs.caCert, "--tls-server-name", "wrong.example"}, "x\n");
  EXPECT_EQ(wrongName.exitCode, 1);
  EXPECT_NE(wrongName.err.find("hostname mismatch"), std::string::npos) << wrongName.err;
  auto systemStore = client(at, {}, "x\n");  // our test CA is not in /etc/ssl/certs
  EXPECT_EQ(systemStore.exitCode, 1) << systemStore.err;
  auto insecure = client(at, {"--tls-insecure"}, "anyway\n");
  EXPECT_EQ(insecure.exitCode, 0) << insecure.err;
  EXPECT_EQ(insecure.out, "anyway\n");
  EXPECT_NE(insecure.err.find("not verified"), std::string::npos) << insecure.err;
  auto noTls = runProgram({UVR_CLIENT_BIN, "127.0.0.1", "1", "--tls-insecure"});
  EXPECT_EQ(noTls.exitCode, 2);
}

TEST(TlsProgram, Sigusr2ReloadsTheFilesAndABadPairKeepsTheOld) {
  const auto& certs = TestCertificates::shared();
  namespace fs = std::filesystem;
  std::string cert = certs.dir + "/live-cert.pem", key = certs.dir + "/live-key.pem";
  auto put = [&](const std::string& c, const std::string& k) {
    fs::copy_file(c, cert, fs::copy_options::overwrite_existing);
    fs::copy_file(k, key, fs::copy_options::overwrite_existing);
  };
  put(certs.serverCert, certs.serverKey);
  ServerProcess server({"--tls-cert", cert, "--tls-key", key, "--tls-listen", "127.0.0.1:0",
                        "--no-udp", "--log-level", "info"});
  ASSERT_TRUE(server.ready()) << server.stderrText();
  auto subject = [&] {
    return runProgram({"/bin/sh", "-c",
                       "echo | openssl s_client -connect " + server.tls[0].toString() +
                           " 2>/dev/null | grep '^subject='"})
        .out;
  };
  EXPECT_NE(subject().find("CN = localhost\n"), std::string::npos);
  put(certs.server2Cert, certs.server2Key);
  server.signal(SIGUSR2);
  auto logged = [&](const std::string& what) {
    for (int i = 0; i < 100 && server.stderrText().find(what) == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return server.stderrText().find(what) != std::string::npos;
  };
  EXPECT_TRUE(logged("TLS certificate and key reloaded"));
  EXPECT_NE(subject().find("localhost-reloaded"), std::string::npos) << server.stderrText();
  put(certs.serverCert, certs.server2Key);  // mismatched
  server.signal(SIGUSR2);
  EXPECT_TRUE(logged("TLS reload failed"));
  EXPECT_NE(server.stderrText().find("TLS reload failed, keeping the current certificate"),
            std::string::npos)
      << server.stderrText();
  EXPECT_NE(subject().find("localhost-reloaded"), std::string::npos);
  auto echo = client(server.tls[0], {"--tls-ca", certs.caCert}, "after reloads\n");
  EXPECT_EQ(echo.out, "after reloads\n") << echo.err;
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(), 0);
}

TEST(TlsProgram, SigtermEndsSessionsWithCloseNotifyAndStatsCountFailures) {
  const auto& certs = TestCertificates::shared();
  ServerProcess server(tlsArgs(certs, {"--tls-listen", "127.0.0.1:0", "--log-level", "info"}));
  ASSERT_TRUE(server.ready()) << server.stderrText();
  SocketClient plain(server.tls[0]);
  ASSERT_TRUE(plain.sendAll("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(plain.waitClosed());
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // the client is connected
    server.signal(SIGUSR1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server.signal(SIGTERM);
  });
  auto waiting = runPythonTls(server.tls[0], "wait", {"ca=" + certs.caCert});
  stopper.join();
  EXPECT_NE(waiting.out.find("close_notify"), std::string::npos) << waiting.out << waiting.err;
  EXPECT_EQ(server.wait(), 0);
  std::string err = server.stderrText();
  EXPECT_NE(err.find("tls_handshake_failures=1"), std::string::npos) << err;
  EXPECT_NE(err.find("TLS handshake with 127.0.0.1:"), std::string::npos) << err;
}

// A peer that fails its handshakes again and again is logged once (with
// its address and the reason), and every failure is still counted.
TEST(TlsProgram, RepeatedHandshakeFailuresOfOnePeerAreLoggedOnce) {
  const auto& certs = TestCertificates::shared();
  ServerProcess server(tlsArgs(certs, {"--tls-listen", "127.0.0.1:0", "--log-level", "info"}), 1);
  ASSERT_EQ(server.tls.size(), 1u) << server.stderrText();
  for (int i = 0; i < 5; ++i) {
    SocketClient plain(server.tls[0]);
    ASSERT_TRUE(plain.sendAll("not tls at all\n"));
    EXPECT_TRUE(plain.waitClosed(std::chrono::seconds(3)));
  }
  server.signal(SIGTERM);  // the counts are printed at exit
  EXPECT_EQ(server.wait(), 0) << server.stderrText();
  std::string err = server.stderrText();
  auto lines = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = err.find(what); at != std::string::npos; at = err.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(lines("tls_handshake_failures=5"), 1u) << err;
  EXPECT_EQ(lines("TLS handshake with 127.0.0.1:"), 1u) << err;
}
