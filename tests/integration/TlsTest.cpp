// TLS listeners and connectors over real loopback sockets (IPv4 and IPv6),
// against clients nobody here wrote (Python's ssl, openssl s_client) and
// our own connector. Certificates come from TestCertificates (made by the
// test run, removed after it).
#include <gtest/gtest.h>

#include <atomic>

#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"
#include "support/TlsPeers.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/TlsContext.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

std::string describe(const TlsInfo& i) {
  return i.version + " " + i.cipher + " alpn=" + i.alpn + " subject=" + i.peerSubject +
         " verified=" + (i.peerVerified ? "yes" : "no");
}

// The server side: echoes, closes on "bye", floods on "flood", and, if
// asked, pauses its reads for a moment after every pauseEvery bytes.
struct ServerSide {
  Journal journal;
  std::size_t pauseEvery = 0;
  std::atomic<std::size_t> maxQueued{0};
};

class Probe final : public ConnectionHandler {
 public:
  Probe(Loop& loop, ServerSide& side) : side_(side), resume_(loop) {}
  void onOpen(Connection& c) override { side_.journal.add("open " + describe(c.tls())); }
  void onData(Connection& c, std::string_view bytes) override {
    if (bytes.find("flood\n") != std::string_view::npos) return flood(c);
    c.send(bytes);
    if (bytes.find("bye\n") != std::string_view::npos) c.close();
    if (side_.pauseEvery == 0) return;
    sincePause_ += bytes.size();
    if (sincePause_ >= side_.pauseEvery) {
      sincePause_ = 0;
      c.pauseReading();
      resume_.start(5, 0, [&c] { c.resumeReading(); });
    }
  }
  void onEof(Connection& c) override {
    side_.journal.add("eof");
    c.close();
  }
  void onClose(Connection&, const Error& reason) override {
    side_.journal.add("close:" + reason.message());
  }

 private:
  // Far more than the cap, to a peer that reads nothing.
  void flood(Connection& c) {
    std::string chunk(64 * 1024, 'f');
    for (int i = 0; i < 512 && c.isOpen(); ++i) {
      c.send(chunk);
      std::size_t q = c.queuedBytes();
      if (q > side_.maxQueued) side_.maxQueued = q;
    }
  }
  ServerSide& side_;
  Timer resume_;
  std::size_t sincePause_ = 0;
};

class Tls : public ::testing::TestWithParam<const char*> {
 protected:
  const TestCertificates& certs = TestCertificates::shared();

  std::shared_ptr<TlsContext> serverContext(bool verifyClients = false,
                                            std::vector<std::string> alpn = {}) {
    TlsServerOptions o;
    o.certificateChainFile = certs.serverCert;
    o.keyFile = certs.serverKey;
    if (verifyClients) {
      o.clientCaFile = certs.caCert;
      o.verifyClients = true;
    }
    o.alpn = std::move(alpn);
    auto ctx = TlsContext::server(o);
    EXPECT_TRUE(ctx.ok()) << ctx.error().message();
    return ctx.ok() ? *ctx : nullptr;
  }

  void listen(std::shared_ptr<TlsContext> ctx, ListenerOptions options = {}) {
    options.connection.tls = std::move(ctx);
    auto at = Endpoint::parse(GetParam());
    ASSERT_TRUE(at.ok());
    listener_ = loop_.call([&] {
      auto l = TcpListener::listen(
          loop_.loop(), *at,
          [this](Connection&) { return std::make_unique<Probe>(loop_.loop(), side_); }, options);
      EXPECT_TRUE(l.ok()) << l.error().message();
      return l.ok() ? std::move(*l) : nullptr;
    });
    ASSERT_NE(listener_, nullptr);
    address_ = listener_->localEndpoint();
  }

  void TearDown() override {
    loop_.call([&] {
      connector_.reset();
      listener_.reset();
    });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }

  ListenerStats stats() {
    return loop_.call([&] { return listener_->stats(); });
  }
  std::vector<std::string> ca() { return {"ca=" + certs.caCert}; }

  // Our own connector, as a client: says `line`, keeps what comes back.
  struct ClientSide {
    Journal journal;
    std::string reply;
    Connection* connection = nullptr;
  };
  class Client final : public ConnectionHandler {
   public:
    Client(ClientSide& side, std::string line) : side_(side), line_(std::move(line)) {}
    void onOpen(Connection& c) override {
      side_.connection = &c;
      side_.journal.add("open " + describe(c.tls()));
      c.send(line_);
    }
    void onData(Connection&, std::string_view bytes) override {
      side_.reply.append(bytes);
      side_.journal.add("data");
    }
    void onClose(Connection&, const Error& reason) override {
      side_.connection = nullptr;
      side_.journal.add("close:" + reason.message());
    }

   private:
    ClientSide& side_;
    std::string line_;
  };
  void connect(ClientSide& side, TlsClientOptions o, std::string serverName = "localhost",
               std::string line = "ping\n") {
    auto ctx = TlsContext::client(o);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message();
    loop_.call([&] {
      ConnectorOptions options;
      options.connection.tls = *ctx;
      options.connection.tlsServerName = serverName;
      connector_ = std::make_unique<TcpConnector>(
          loop_.loop(), address_,
          [&side, line](Connection&) { return std::make_unique<Client>(side, line); }, options,
          [&side](const Error& e) { side.journal.add("failed:" + e.message()); });
      connector_->start();
    });
  }

  LoopThread loop_;
  ServerSide side_;
  ClientSide client_;  // outlives connector_ (TearDown destroys it)
  std::unique_ptr<TcpListener> listener_;
  std::unique_ptr<TcpConnector> connector_;
  Endpoint address_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Families, Tls, ::testing::Values("127.0.0.1:0", "[::1]:0"), FamilyName{});

TEST_P(Tls, PythonRoundTripsOverTls13AndTls12WithCloseNotifyBothWays) {
  listen(serverContext());
  for (std::string version : {"1.3", "1.2"}) {
    auto r = runPythonTls(address_, "echo", {"ca=" + certs.caCert, "version=" + version});
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
    EXPECT_EQ(r.out.rfind("TLSv" + version, 0), 0u) << r.out;
    EXPECT_NE(r.out.find("unwrapped"), std::string::npos) << r.out;  // our close_notify came
  }
  ASSERT_TRUE(side_.journal.waitFor("close:", 2));
  auto events = side_.journal.snapshot();
  // The peer's close_notify is onEof; our close is orderly (no reason).
  EXPECT_EQ(side_.journal.count("eof"), 2u);
  EXPECT_EQ(side_.journal.count("close:"), 2u);
  for (auto& e : events) {
    if (e.rfind("close:", 0) == 0) {
      EXPECT_EQ(e, "close:");
    }
  }
  EXPECT_EQ(side_.journal.count("open TLSv1.3"), 1u);
  EXPECT_EQ(side_.journal.count("open TLSv1.2 ECDHE-ECDSA-AES"), 1u);
  EXPECT_EQ(stats().tlsHandshakeFailures, 0u);
}

TEST_P(Tls, OpensslSClientRoundTripsAndSeesOurCloseNotify) {
  listen(serverContext());
  for (std::string version : {"1_3", "1_2"}) {
    auto r = runSClient(address_, version, certs.caCert, "hello s_client\nbye\n");
    EXPECT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.out.find("hello s_client\nbye\n"), std::string::npos) << r.out << r.err;
  }
  EXPECT_TRUE(side_.journal.waitFor("close:", 2));
  EXPECT_EQ(stats().tlsHandshakeFailures, 0u);
}

// Key exchange only over the elliptic curves: OpenSSL 3.0 would also take a
// TLS 1.3 key share in a finite-field group, where ffdhe8192 costs the
// server tens of times a P-256 handshake, chosen by the client.
TEST_P(Tls, AClientOfferingOnlyFiniteFieldGroupsIsRefused) {
  listen(serverContext());
  auto sclient = [&](const std::string& groups) {
    return runProgram({"/usr/bin/openssl", "s_client", "-connect", address_.toString(), "-tls1_3",
                       "-groups", groups, "-CAfile", certs.caCert, "-verify_return_error",
                       "-servername", "localhost", "-quiet"},
                      "hello\nbye\n", std::chrono::seconds(20));
  };
  auto ffdhe = sclient("ffdhe8192");
  EXPECT_NE(ffdhe.exitCode, 0) << ffdhe.out << ffdhe.err;
  EXPECT_EQ(ffdhe.out.find("hello"), std::string::npos) << ffdhe.out;
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
  auto x25519 = sclient("X25519");
  EXPECT_EQ(x25519.exitCode, 0) << x25519.err;
  EXPECT_NE(x25519.out.find("hello"), std::string::npos) << x25519.out << x25519.err;
}

TEST_P(Tls, SixteenMebibytesIntactThroughAReaderThatPausesAndResumes) {
  side_.pauseEvery = 1 << 20;
  listen(serverContext());
  auto r = runPythonTls(address_, "bulk", {"bytes=16777216"}, 60);
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("bulk ok 16777216"), std::string::npos) << r.out << r.err;
}

TEST_P(Tls, APeerThatNeverReadsIsCutOffWithinTheCap) {
  ListenerOptions options;
  options.connection.maxQueuedBytes = 2 * 1024 * 1024;
  options.connection.highWaterMark = 512 * 1024;
  options.connection.lowWaterMark = 128 * 1024;
  listen(serverContext(), options);
  auto r = runPythonTls(address_, "noread", {"sleep=1"});
  ASSERT_TRUE(side_.journal.waitFor("close:"));
  EXPECT_EQ(stats().slowConsumers, 1u);
  EXPECT_EQ(side_.journal.count("close:slow consumer"), 1u);
  // 32 MiB were sent at it; what was held never passed the cap by more
  // than the output one pass may gather before it is written (the
  // high-water mark), as for plaintext.
  EXPECT_LE(side_.maxQueued.load(),
            options.connection.maxQueuedBytes + options.connection.highWaterMark + 64 * 1024);
}

TEST_P(Tls, AFinWithoutCloseNotifyIsATruncation) {
  listen(serverContext());
  auto r = runPythonTls(address_, "truncate");
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  ASSERT_TRUE(side_.journal.waitFor("close:"));
  EXPECT_EQ(side_.journal.count("eof"), 0u);
  auto events = side_.journal.snapshot();
  EXPECT_NE(events.back().find("truncated"), std::string::npos) << events.back();
}

TEST_P(Tls, OurCloseSendsCloseNotifyBeforeTheFin) {
  listen(serverContext());
  // The server closes; the client reads until the end.
  std::thread closer([&] {
    side_.journal.waitFor("open");  // the client is through its handshake
    loop_.call([&] { listener_->forEachConnection([](Connection& c) { c.close(); }); });
  });
  auto r = runPythonTls(address_, "wait");
  closer.join();
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("close_notify"), std::string::npos) << r.out;
}

TEST_P(Tls, HandshakeTimeoutClosesSilentAndHalfHelloPeers) {
  ListenerOptions options;
  options.connection.tlsHandshakeTimeoutMs = 300;
  listen(serverContext(), options);
  SocketClient silent(address_);
  SocketClient half(address_);
  // A record header promising 512 bytes of ClientHello, and four of them.
  ASSERT_TRUE(half.sendAll(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9)));
  EXPECT_TRUE(silent.waitClosed(std::chrono::seconds(3)));
  EXPECT_TRUE(half.waitClosed(std::chrono::seconds(3)));
  EXPECT_EQ(stats().tlsHandshakeFailures, 2u);
  // Neither handler was ever opened, so neither heard anything.
  EXPECT_EQ(side_.journal.snapshot().size(), 0u);
  EXPECT_EQ(loop_.call([&] { return listener_->connectionCount(); }), 0u);
}

TEST_P(Tls, APlaintextClientIsCountedAndOthersAreServed) {
  listen(serverContext());
  SocketClient plain(address_);
  ASSERT_TRUE(plain.sendAll("hello in plaintext\n"));
  EXPECT_TRUE(plain.waitClosed(std::chrono::seconds(3)));
  auto r = runPythonTls(address_, "echo", ca());
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
}

TEST_P(Tls, ClientCertificateRequiredPresentAndMissing) {
  listen(serverContext(true));
  auto with =
      runPythonTls(address_, "echo",
                   {"ca=" + certs.caCert, "cert=" + certs.clientCert, "key=" + certs.clientKey});
  EXPECT_EQ(with.exitCode, 0) << with.out << with.err;
  ASSERT_TRUE(side_.journal.waitFor("open"));
  EXPECT_EQ(side_.journal.count("open TLSv1.3"), 1u);
  auto events = side_.journal.snapshot();
  EXPECT_NE(events[0].find("subject=/CN=test-client verified=yes"), std::string::npos) << events[0];

  auto without = runPythonTls(address_, "echo", ca());
  EXPECT_NE(without.exitCode, 0) << without.out;
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
  EXPECT_EQ(side_.journal.count("open"), 1u);
}

TEST_P(Tls, AlpnIsNegotiated) {
  listen(serverContext(false, {"echo/1", "http/1.1"}));
  auto r = runPythonTls(address_, "echo", {"ca=" + certs.caCert, "alpn=x,http/1.1"});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find(" http/1.1\n"), std::string::npos) << r.out;
  EXPECT_TRUE(side_.journal.waitFor("open"));
  EXPECT_EQ(side_.journal.count("open TLSv1.3 TLS_AES_256_GCM_SHA384 alpn=http/1.1"), 1u)
      << side_.journal.snapshot()[0];
}

TEST_P(Tls, OurConnectorVerifiesAndRoundTrips) {
  listen(serverContext());
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.caCert;
  connect(client, o);
  ASSERT_TRUE(client.journal.waitFor("data"));
  EXPECT_EQ(loop_.call([&] { return client.reply; }), "ping\n");
  auto events = client.journal.snapshot();
  EXPECT_NE(events[0].find("open TLSv1.3"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("subject=/CN=localhost verified=yes"), std::string::npos) << events[0];
  loop_.call([&] { client.connection->close(); });
  EXPECT_TRUE(client.journal.waitFor("close:"));
  EXPECT_TRUE(side_.journal.waitFor("eof"));  // our close_notify reached the server as onEof
}

TEST_P(Tls, TheConnectorChecksTheNameByDefault) {
  listen(serverContext());
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.caCert;
  connect(client, o, "wrong.example");
  ASSERT_TRUE(client.journal.waitFor("failed:"));
  auto events = client.journal.snapshot();
  EXPECT_NE(events.back().find("hostname mismatch"), std::string::npos) << events.back();
  EXPECT_EQ(client.journal.count("open"), 0u);
  // The server saw our alert: a failed handshake there too.
  for (int i = 0; i < 200 && stats().tlsHandshakeFailures == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
}

TEST_P(Tls, TheConnectorChecksTheAddressWhenGivenNoName) {
  listen(serverContext());
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.caCert;
  connect(client, o, "");
  ASSERT_TRUE(client.journal.waitFor("data"));
}

TEST_P(Tls, TheConnectorRefusesAnUnknownCa) {
  listen(serverContext());
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.otherCaCert;
  connect(client, o);
  ASSERT_TRUE(client.journal.waitFor("failed:"));
  auto events = client.journal.snapshot();
  EXPECT_NE(events.back().find("unable to get local issuer certificate"), std::string::npos)
      << events.back();
}

TEST_P(Tls, TheConnectorRefusesAnExpiredCertificate) {
  TlsServerOptions so;
  so.certificateChainFile = certs.expiredCert;
  so.keyFile = certs.expiredKey;
  auto ctx = TlsContext::server(so);
  ASSERT_TRUE(ctx.ok()) << ctx.error().message();
  listen(*ctx);
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.caCert;
  connect(client, o);
  ASSERT_TRUE(client.journal.waitFor("failed:"));
  auto events = client.journal.snapshot();
  EXPECT_NE(events.back().find("certificate has expired"), std::string::npos) << events.back();
}

TEST_P(Tls, AReloadServesNewHandshakesWhileAnOpenSessionGoesOn) {
  auto ctx = serverContext();
  listen(ctx);
  ClientSide& client = client_;
  TlsClientOptions o;
  o.caFile = certs.caCert;
  connect(client, o);
  ASSERT_TRUE(client.journal.waitFor("data"));
  EXPECT_TRUE(ctx->reload(certs.serverCert, certs.server2Key));  // mismatched: refused
  ASSERT_FALSE(ctx->reload(certs.server2Cert, certs.server2Key));
  // A new handshake gets the new certificate.
  auto r = runSClient(address_, "1_3", certs.caCert, "bye\n");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  auto probe = runProgram({"/bin/sh", "-c",
                           "echo | openssl s_client -connect " + address_.toString() + " -CAfile " +
                               certs.caCert + " 2>/dev/null | grep '^subject='"});
  EXPECT_NE(probe.out.find("localhost-reloaded"), std::string::npos) << probe.out;
  // The open session still talks, on its old keys.
  loop_.call([&] { client.connection->send("still here\n"); });
  ASSERT_TRUE(client.journal.waitFor("data", 2));
  EXPECT_EQ(loop_.call([&] { return client.reply; }), "ping\nstill here\n");
}

TEST_P(Tls, ConnectionsStillInTheirHandshakeCountAgainstTheLimit) {
  ListenerOptions options;
  options.maxConnections = 1;
  options.connection.tlsHandshakeTimeoutMs = 2000;
  listen(serverContext(), options);
  SocketClient silent(address_);  // connected, never says hello: holds the slot
  for (int i = 0; i < 100 && loop_.call([&] { return listener_->admittedCount(); }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto turnedAway = runPythonTls(address_, "echo", ca());
  EXPECT_NE(turnedAway.exitCode, 0) << turnedAway.out;
  EXPECT_EQ(stats().rejectedByLimit, 1u);
  // Once the silent peer's handshake times out, the slot serves again.
  EXPECT_TRUE(silent.waitClosed(std::chrono::seconds(4)));
  auto served = runPythonTls(address_, "echo", ca());
  EXPECT_EQ(served.exitCode, 0) << served.out << served.err;
}
