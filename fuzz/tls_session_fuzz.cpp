// Feeds a server-side TLS session hostile input: random bytes, a real
// ClientHello cut short at any point, or one followed by random records,
// each in pieces whose sizes come from the input. No crash, no leak, no
// growth: what the session writes back stays small, and once it failed it
// stays failed.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "TlsSession.hpp"
#include "uvreactor/TlsContext.hpp"

using uvreactor::TlsContext;
using uvreactor::detail::OutputQueue;
using uvreactor::detail::TlsSession;

namespace {

// A throw-away self-signed P-256 pair in a temporary directory, made once.
std::shared_ptr<TlsContext> serverContext() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("fuzz"), -1, -1, 0);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  X509_sign(cert, key, EVP_sha256());
  char dir[] = "/tmp/uvreactor-tls-fuzz.XXXXXX";
  if (mkdtemp(dir) == nullptr) std::abort();
  std::string certPath = std::string(dir) + "/cert.pem", keyPath = std::string(dir) + "/key.pem";
  FILE* f = std::fopen(certPath.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(keyPath.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  uvreactor::TlsServerOptions o;
  o.certificateChainFile = certPath;
  o.keyFile = keyPath;
  auto ctx = TlsContext::server(o);
  std::remove(certPath.c_str());
  std::remove(keyPath.c_str());
  std::remove(dir);
  if (!ctx) std::abort();
  return *ctx;
}

// One real ClientHello, made once, so mutations start past the first record.
std::string clientHello() {
  uvreactor::TlsClientOptions o;
  o.verifyPeer = false;
  auto ctx = TlsContext::client(o);
  if (!ctx) std::abort();
  auto session = TlsSession::create(**ctx, "fuzz.example");
  if (!session) std::abort();
  (*session)->handshake();
  std::string hello;
  OutputQueue& wire = (*session)->wire();
  uv_buf_t bufs[16];
  unsigned n = wire.gather(bufs, 16);
  for (unsigned i = 0; i < n; ++i) hello.append(bufs[i].base, bufs[i].len);
  return hello;
}

void drain(OutputQueue& wire) {
  uv_buf_t bufs[64];
  while (!wire.empty()) {
    unsigned n = wire.gather(bufs, 64);
    std::size_t total = 0;
    for (unsigned i = 0; i < n; ++i) total += bufs[i].len;
    wire.consume(total);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<TlsContext> context = serverContext();
  static const std::string hello = clientHello();
  if (size < 2) return 0;
  std::string input;
  switch (data[0] % 3) {
    case 0:  // random bytes
      input.assign(reinterpret_cast<const char*>(data + 2), size - 2);
      break;
    case 1:  // a ClientHello cut short
      input = hello.substr(0, (static_cast<std::size_t>(data[1]) * 7) % hello.size());
      break;
    default:  // a ClientHello, then random records
      input = hello;
      input.append(reinterpret_cast<const char*>(data + 2), size - 2);
  }
  auto created = TlsSession::create(*context, "");
  if (!created) std::abort();
  TlsSession& session = **created;
  char plain[16384];
  bool failed = false;
  std::size_t at = 0;
  unsigned step = data[1] | 1u;
  while (at < input.size()) {
    std::size_t piece = std::min<std::size_t>(input.size() - at, 1 + (step * (at + 13)) % 700);
    session.feed(input.data() + at, piece);
    at += piece;
    TlsSession::Status s = TlsSession::Status::Ok;
    if (!session.handshakeDone()) s = session.handshake();
    if (session.handshakeDone() && s != TlsSession::Status::Failed) {
      std::size_t got = 0;
      s = session.read(plain, sizeof plain, got);
      if (got > sizeof plain) std::abort();
    }
    // A server's answer to one ClientHello is a few KiB; to garbage, an alert.
    if (session.wire().bytes() > 64 * 1024) std::abort();
    drain(session.wire());
    session.keepInput();
    if (s == TlsSession::Status::Failed) failed = true;
    if (failed) break;
  }
  if (failed && session.handshakeDone() && session.info().version.empty()) std::abort();
  return 0;
}
