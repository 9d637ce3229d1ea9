// TLS bounds over real loopback sockets (IPv4 and IPv6): water marks that
// do not wait for input, the handshake failures every owner hears of, the
// alert that leaves before the close, peers over the limit turned away
// without a handshake, and key-update floods.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <uv.h>

#include <algorithm>
#include <csignal>

#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"
#include "support/TlsPeers.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/TlsContext.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// Echoes; journals onOpen and onClose's reason; on "reload\n", reloads its
// context with the second certificate first.
class Echo final : public ConnectionHandler {
 public:
  Echo(Journal& journal, TlsContext& context) : journal_(journal), context_(context) {}
  void onOpen(Connection&) override { journal_.add("open"); }
  void onData(Connection& c, std::string_view bytes) override {
    if (bytes == "reload\n") {
      const TestCertificates& certs = TestCertificates::shared();
      journal_.add(context_.reload(certs.server2Cert, certs.server2Key) ? "reload failed"
                                                                        : "reloaded");
    }
    c.send(bytes);
  }
  void onClose(Connection&, const Error& reason) override {
    journal_.add("close:" + reason.message());
  }

 private:
  Journal& journal_;
  TlsContext& context_;
};

class TlsBounds : public ::testing::TestWithParam<const char*> {
 protected:
  const TestCertificates& certs = TestCertificates::shared();

  void SetUp() override { ::signal(SIGPIPE, SIG_IGN); }

  void listen(ListenerOptions options = {}, bool verifyClients = false) {
    TlsServerOptions o;
    o.certificateChainFile = certs.serverCert;
    o.keyFile = certs.serverKey;
    if (verifyClients) {
      o.clientCaFile = certs.caCert;
      o.verifyClients = true;
    }
    auto ctx = TlsContext::server(o);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message();
    context_ = *ctx;
    options.connection.tls = context_;
    auto at = Endpoint::parse(GetParam());
    ASSERT_TRUE(at.ok());
    listener_ = loop_.call([&] {
      auto l = TcpListener::listen(
          loop_.loop(), *at,
          [this](Connection&) { return std::make_unique<Echo>(journal_, *context_); }, options);
      EXPECT_TRUE(l.ok()) << l.error().message();
      return l.ok() ? std::move(*l) : nullptr;
    });
    ASSERT_NE(listener_, nullptr);
    address_ = listener_->localEndpoint();
  }

  void TearDown() override {
    loop_.call([&] { listener_.reset(); });
    Error closed = loop_.shutdown();
    EXPECT_TRUE(closed.ok()) << closed.message();
  }

  ListenerStats stats() {
    return loop_.call([&] { return listener_->stats(); });
  }
  bool waitForFailures(uint64_t n) {
    for (int i = 0; i < 300 && stats().tlsHandshakeFailures < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return stats().tlsHandshakeFailures >= n;
  }

  LoopThread loop_;
  Journal journal_;
  std::shared_ptr<TlsContext> context_;
  std::unique_ptr<TcpListener> listener_;
  Endpoint address_;
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Families, TlsBounds, ::testing::Values("127.0.0.1:0", "[::1]:0"),
                         FamilyName{});

namespace {

// A TLS client over `fd` that writes without reading until nothing more
// goes out (the server, echoing, stopped reading above its high-water
// mark), then reads: true if all it sent came back within 5 s.
bool fillThenReadBack(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  auto wait = [&](short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 5000) > 0;
  };
  int rc;
  while ((rc = SSL_connect(ssl)) != 1 && SSL_get_error(ssl, rc) == SSL_ERROR_WANT_READ &&
         wait(POLLIN)) {
  }
  std::string chunk(16 * 1024, 'k');
  std::size_t sent = 0, back = 0;
  for (int idle = 0; rc == 1 && idle < 20;) {  // 20 x 10 ms with no room: full
    std::size_t n = 0;
    if (SSL_write_ex(ssl, chunk.data(), chunk.size(), &n) == 1) {
      sent += n;
      idle = 0;
    } else {
      pollfd p{fd, POLLOUT, 0};
      idle += ::poll(&p, 1, 10) == 0;
    }
  }
  char buffer[65536];
  while (rc == 1 && back < sent) {
    std::size_t n = 0;
    if (SSL_read_ex(ssl, buffer, sizeof buffer, &n) == 1) {
      back += n;
    } else if (SSL_get_error(ssl, 0) != SSL_ERROR_WANT_READ || !wait(POLLIN)) {
      break;
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return rc == 1 && sent > 0 && back == sent;
}

}  // namespace

// Ciphertext kept because the handler's output passed the high-water mark
// is input, not output: counted as output, a low-water mark of 0 was never
// reached again, reading never resumed, and the connection stalled.
TEST_P(TlsBounds, KeptInputDoesNotHoldTheOutputAboveItsLowWaterMark) {
  ListenerOptions options;
  options.connection.highWaterMark = 16 * 1024;
  options.connection.lowWaterMark = 0;
  listen(options);
  SocketClient c(address_);
  EXPECT_TRUE(fillThenReadBack(c.fd()));
}

// The peer's bad ClientHello makes OpenSSL write an alert, and the peer has
// already reset the connection: the alert's write fails, and the failure
// is still counted (it was not, when the failed write closed first).
TEST_P(TlsBounds, AHandshakeFailureIsCountedOnceEvenWhenItsAlertCannotBeWritten) {
  listen();
  // Held on the loop thread, so the server sees the bytes and the reset
  // together, in its next pass.
  loop_.call([&] {
    SocketClient c(address_);
    // A ClientHello record whose body is cut short: a decode_error alert.
    ASSERT_TRUE(c.sendAll(std::string("\x16\x03\x01\x00\x08\x01\x00\x00\x04\x03\x03\x00\x00", 13)));
    c.reset();
  });
  EXPECT_TRUE(waitForFailures(1));
  // A peer that behaves, for a pass or two more of the loop.
  auto r = runPythonTls(address_, "echo", {"ca=" + certs.caCert});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(stats().tlsHandshakeFailures, 1u);
  EXPECT_EQ(loop_.call([&] { return listener_->connectionCount(); }), 0u);
}

// A handshake that fails on our side ends with its alert and a FIN, not a
// reset that could destroy the alert: the peer learns why.
TEST_P(TlsBounds, ARefusedClientHearsTheAlertNotAReset) {
  listen({}, true);
  auto r = runPythonTls(address_, "echo", {"ca=" + certs.caCert});
  EXPECT_NE(r.exitCode, 0) << r.out;
  EXPECT_NE(r.err.find("CERTIFICATE_REQUIRED"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(r.err.find("reset"), std::string::npos) << r.err;
  EXPECT_TRUE(waitForFailures(1));
}

// Over the connection limit, a TLS peer gets no handshake (the costly part)
// and no plaintext message: a FIN at once, counted as a reject.
TEST_P(TlsBounds, APeerOverTheLimitIsTurnedAwayWithoutAHandshake) {
  ListenerOptions options;
  options.maxConnections = 1;
  options.connection.tlsHandshakeTimeoutMs = 20000;
  options.rejectMessage = "busy\n";
  listen(options);
  SocketClient holder(address_);  // in its handshake, holding the slot
  for (int i = 0; i < 100 && loop_.call([&] { return listener_->admittedCount(); }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  SocketClient over(address_);
  ASSERT_TRUE(over.sendAll(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc", 9)));
  // Closed well before the handshake deadline, and with nothing said.
  auto said = over.recvUntilEof(std::chrono::seconds(5));
  ASSERT_TRUE(said.has_value());
  EXPECT_EQ(*said, "");
  EXPECT_EQ(stats().rejectedByLimit, 1u);
  EXPECT_EQ(stats().tlsHandshakeFailures, 0u);
}

namespace {

// A TLS 1.3 client over `fd` (blocking) that asks for a key update before
// every one-byte message and reads its echo: how many rounds it got.
int keyUpdateRounds(int fd, int rounds) {
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  int done = 0;
  if (SSL_connect(ssl) == 1) {
    for (; done < rounds; ++done) {
      char echoed = 0;
      if (SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1 || SSL_write(ssl, "x", 1) != 1 ||
          SSL_read(ssl, &echoed, 1) != 1 || echoed != 'x')
        break;
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return done;
}

}  // namespace

// OpenSSL itself refuses only 32 key updates in a row with no data between;
// one byte between them buys a key derivation and a reply record each time.
TEST_P(TlsBounds, AKeyUpdateFloodIsClosedWithAReason) {
  listen();
  SocketClient c(address_);
  int rounds = keyUpdateRounds(c.fd(), 1000);
  EXPECT_LT(rounds, 1000);
  EXPECT_GE(rounds, 8);  // a few are anyone's right
  ASSERT_TRUE(journal_.waitFor("close:"));
  EXPECT_EQ(journal_.count("close:TLS read"), 1u) << journal_.snapshot().back();
  EXPECT_NE(journal_.snapshot().back().find("too many key updates"), std::string::npos)
      << journal_.snapshot().back();
}

// Session tickets outlive a certificate reload (the ticket keys are kept),
// so a reload does not send every client through a full handshake at once.
TEST_P(TlsBounds, ATicketIssuedBeforeAReloadResumesAfterIt) {
  listen();
  auto plain = runPythonTls(address_, "resume", {"ca=" + certs.caCert});
  EXPECT_EQ(plain.exitCode, 0) << plain.out << plain.err;
  EXPECT_NE(plain.out.find("reused"), std::string::npos) << plain.out;  // resumption works
  auto reloaded = runPythonTls(address_, "resume", {"ca=" + certs.caCert, "msg=reload\n"});
  EXPECT_EQ(reloaded.exitCode, 0) << reloaded.out << reloaded.err;
  EXPECT_EQ(journal_.count("reloaded"), 1u);
  EXPECT_NE(reloaded.out.find("reused"), std::string::npos) << reloaded.out;
}

namespace {

// Server side of the flood: the loop pass of every TLS open and of every
// plaintext echo. A pass ends at each prepare and each check point: libuv
// renews its loop time (which the budget follows) around its poll.
struct Passes {
  uint64_t now = 0;  // loop thread only
  std::vector<uint64_t> opens, echoes;
};
class PassRecorder final : public ConnectionHandler {
 public:
  explicit PassRecorder(Passes& passes) : passes_(passes) {}
  void onOpen(Connection& c) override {
    if (c.tls().active) passes_.opens.push_back(passes_.now);
  }
  void onData(Connection& c, std::string_view bytes) override {
    passes_.echoes.push_back(passes_.now);
    c.send(bytes);
  }

 private:
  Passes& passes_;
};
class Quiet final : public ConnectionHandler {
 public:
  void onData(Connection&, std::string_view) override {}
};

}  // namespace

// A flood of handshakes is spread over the loop's passes by the handshake
// budget (here one step per pass), and an established connection of the
// same loop is served between them.
TEST_P(TlsBounds, AHandshakeFloodIsSpreadOverPassesAndEstablishedPeersAreServed) {
  constexpr int kFlood = 24;
  Passes passes;
  auto* check = new uv_check_t;
  auto* prepare = new uv_prepare_t;
  loop_.call([&] {
    uv_check_init(loop_.loop().raw(), check);
    check->data = &passes;
    uv_check_start(check, [](uv_check_t* h) { ++static_cast<Passes*>(h->data)->now; });
    uv_prepare_init(loop_.loop().raw(), prepare);
    prepare->data = &passes;
    uv_prepare_start(prepare, [](uv_prepare_t* h) { ++static_cast<Passes*>(h->data)->now; });
  });
  auto factory = [&](Connection&) { return std::make_unique<PassRecorder>(passes); };
  ListenerOptions tlsOptions;
  tlsOptions.connection.tlsHandshakeMicrosPerPass = 1;
  listen(tlsOptions);
  loop_.call([&] { listener_.reset(); });  // the fixture's: replaced by one that records
  tlsOptions.connection.tls = context_;
  auto at = *Endpoint::parse(GetParam());
  auto tlsListener = loop_.call(
      [&] { return std::move(*TcpListener::listen(loop_.loop(), at, factory, tlsOptions)); });
  auto plainListener =
      loop_.call([&] { return std::move(*TcpListener::listen(loop_.loop(), at, factory, {})); });
  listener_ = std::move(tlsListener);
  // The established peer: ping-pong over plaintext on the same loop.
  std::atomic<bool> flooding{true};
  std::thread established([&, to = plainListener->localEndpoint()] {
    SocketClient c(to);
    while (flooding && c.sendAll("ping") && c.recvExact(4) == "ping") {
    }
  });
  LoopThread clients;
  TlsClientOptions insecure;
  insecure.verifyPeer = false;
  auto clientContext = *TlsContext::client(insecure);
  std::vector<std::unique_ptr<TcpConnector>> flood;
  clients.call([&] {
    ConnectorOptions o;
    o.connection.tls = clientContext;
    for (int i = 0; i < kFlood; ++i) {
      flood.push_back(std::make_unique<TcpConnector>(
          clients.loop(), listener_->localEndpoint(),
          [](Connection&) { return std::make_unique<Quiet>(); }, o));
      flood.back()->start();
    }
  });
  for (int i = 0; i < 1000 && loop_.call([&] { return passes.opens.size(); }) < kFlood; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  flooding = false;
  established.join();
  clients.call([&] { flood.clear(); });
  EXPECT_TRUE(clients.shutdown().ok());
  auto recorded = loop_.call([&] {
    uv_close(reinterpret_cast<uv_handle_t*>(check),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    uv_close(reinterpret_cast<uv_handle_t*>(prepare),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
    plainListener.reset();
    return std::make_pair(passes.opens, passes.echoes);
  });
  const std::vector<uint64_t>& opens = recorded.first;
  const std::vector<uint64_t>& echoes = recorded.second;
  ASSERT_EQ(opens.size(), static_cast<std::size_t>(kFlood));
  // One handshake step per pass: no two handshakes finished in one pass.
  for (std::size_t i = 1; i < opens.size(); ++i) EXPECT_LT(opens[i - 1], opens[i]) << i;
  // The established peer was answered while the flood went on.
  auto during = std::count_if(echoes.begin(), echoes.end(),
                              [&](uint64_t p) { return p > opens.front() && p < opens.back(); });
  EXPECT_GE(during, 1) << "echoes " << echoes.size() << ", opens in passes " << opens.front()
                       << " to " << opens.back();
}
