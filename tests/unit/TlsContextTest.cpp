// TlsContext: every file is checked when the context is made, and the
// Error names the file and OpenSSL's reason.
#include "uvreactor/TlsContext.hpp"

#include <gtest/gtest.h>

#include "support/TestCertificates.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

TlsServerOptions serverOptions(const TestCertificates& certs) {
  TlsServerOptions o;
  o.certificateChainFile = certs.serverCert;
  o.keyFile = certs.serverKey;
  return o;
}

}  // namespace

TEST(TlsContext, ServerFromAChainAndItsKey) {
  ASSERT_TRUE(TlsContext::available());
  const auto& certs = TestCertificates::shared();
  auto ctx = TlsContext::server(serverOptions(certs));
  ASSERT_TRUE(ctx.ok()) << ctx.error().message();
  EXPECT_TRUE((*ctx)->isServer());
}

TEST(TlsContext, AMissingFileIsNamedWithTheSystemsReason) {
  const auto& certs = TestCertificates::shared();
  auto o = serverOptions(certs);
  o.keyFile = certs.dir + "/no-such-key.pem";
  auto ctx = TlsContext::server(o);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message().find(o.keyFile), std::string::npos) << ctx.error().message();
  EXPECT_NE(ctx.error().message().find("No such file"), std::string::npos) << ctx.error().message();
}

TEST(TlsContext, AKeyThatDoesNotMatchItsCertificateIsRefused) {
  const auto& certs = TestCertificates::shared();
  auto o = serverOptions(certs);
  o.keyFile = certs.server2Key;
  auto ctx = TlsContext::server(o);
  ASSERT_FALSE(ctx.ok());
  const std::string& m = ctx.error().message();
  EXPECT_NE(m.find(certs.server2Key), std::string::npos) << m;
  EXPECT_NE(m.find("does not match"), std::string::npos) << m;
  EXPECT_NE(m.find("mismatch"), std::string::npos) << m;  // OpenSSL's own reason
}

TEST(TlsContext, NotPemIsRefusedWithOpenSslsReason) {
  const auto& certs = TestCertificates::shared();
  auto o = serverOptions(certs);
  o.certificateChainFile = writeTestFile("garbage.pem", "this is not a certificate\n");
  auto ctx = TlsContext::server(o);
  ASSERT_FALSE(ctx.ok());
  const std::string& m = ctx.error().message();
  EXPECT_NE(m.find(o.certificateChainFile), std::string::npos) << m;
  EXPECT_NE(m.find("no start line"), std::string::npos) << m;
}

TEST(TlsContext, ABadCaFileIsRefusedForClientsAndServers) {
  const auto& certs = TestCertificates::shared();
  std::string bad = writeTestFile("bad-ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n");
  TlsClientOptions client;
  client.caFile = bad;
  auto c = TlsContext::client(client);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find(bad), std::string::npos) << c.error().message();

  auto o = serverOptions(certs);
  o.clientCaFile = certs.dir + "/missing-ca.pem";
  o.verifyClients = true;
  auto s = TlsContext::server(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("missing-ca.pem"), std::string::npos);

  auto noCa = serverOptions(certs);
  noCa.verifyClients = true;
  EXPECT_FALSE(TlsContext::server(noCa).ok());
}

TEST(TlsContext, ClientWithTheSystemStoreOrACaFile) {
  const auto& certs = TestCertificates::shared();
  auto system = TlsContext::client({});
  ASSERT_TRUE(system.ok()) << system.error().message();
  EXPECT_FALSE((*system)->isServer());
  TlsClientOptions o;
  o.caFile = certs.caCert;
  o.alpn = {"echo/1", "http/1.1"};
  EXPECT_TRUE(TlsContext::client(o).ok());
  o.alpn = {""};
  EXPECT_FALSE(TlsContext::client(o).ok());
}

TEST(TlsContext, AFailedReloadKeepsTheOldPair) {
  const auto& certs = TestCertificates::shared();
  auto ctx = TlsContext::server(serverOptions(certs));
  ASSERT_TRUE(ctx.ok());
  auto* before = (*ctx)->acquire();
  Error e = (*ctx)->reload(certs.server2Cert, certs.serverKey);  // mismatched
  EXPECT_TRUE(e);
  EXPECT_NE(e.message().find("does not match"), std::string::npos) << e.message();
  auto* after = (*ctx)->acquire();
  EXPECT_EQ(before, after);
  EXPECT_FALSE((*ctx)->reload(certs.server2Cert, certs.server2Key));
  auto* reloaded = (*ctx)->acquire();
  EXPECT_NE(reloaded, before);
  for (auto* p : {before, after, reloaded}) TlsContext::release(p);
}
