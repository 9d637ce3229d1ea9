// TlsContext on OpenSSL 3: every file is read and checked here, so that a
// bad one is an Error when the context is made, not at the first handshake.
#include "uvreactor/TlsContext.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <uv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "TlsErrors.hpp"

namespace uvreactor {
namespace {

// Forward secrecy and AEAD only. TLS 1.3's suites all qualify (OpenSSL's
// default list); for TLS 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

using CtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// A file that cannot be opened gets the system's reason, which is clearer
// than OpenSSL's ("No such file or directory" against "system lib").
Error checkReadable(const char* what, const std::string& path) {
  if (path.empty()) return Error(UV_EINVAL, std::string("TLS ") + what + ": no file given");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int e = errno;
    return Error(uv_translate_sys_error(e),
                 std::string("TLS ") + what + " " + path + ": " + std::strerror(e));
  }
  std::fclose(f);
  return {};
}

Error openSslError(const std::string& what) {
  return Error(UV_EINVAL, what + ": " + detail::takeOpenSslReason());
}

// The wire-format ALPN list (length-prefixed names), or an Error.
Result<std::string> alpnWire(const std::vector<std::string>& names) {
  std::string wire;
  for (const auto& n : names) {
    if (n.empty() || n.size() > 255)
      return Error(UV_EINVAL, "TLS ALPN name '" + n + "': bad length");
    wire += static_cast<char>(n.size());
    wire += n;
  }
  return wire;
}

Result<CtxPtr> baseContext(bool server) {
  ERR_clear_error();
  CtxPtr ctx(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return openSslError("TLS context");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1) return openSslError("TLS ciphers");
  // Elliptic-curve key exchange only. OpenSSL 3.0 also accepts a TLS 1.3
  // key share in a finite-field group, and the client picks it: ffdhe8192
  // would cost the server many times a P-256 handshake, per handshake.
  if (SSL_CTX_set1_groups_list(ctx.get(), "X25519:P-256:P-384") != 1)
    return openSslError("TLS groups");
  SSL_CTX_set_options(
      ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No record buffers while idle; a send buffer may move between retries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (server) {
    // Stateless tickets resume sessions; a server-side cache would only
    // grow with the number of clients. One ticket per handshake: each costs
    // an encryption and a record.
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx.get(), 1);
    static const unsigned char kSessionContext[] = "uvreactor";
    SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1);
  }
  return ctx;
}

Error loadPair(SSL_CTX* ctx, const std::string& chain, const std::string& key) {
  if (Error e = checkReadable("certificate", chain)) return e;
  if (Error e = checkReadable("key", key)) return e;
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, chain.c_str()) != 1)
    return openSslError("TLS certificate " + chain);
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    return openSslError("TLS key " + key +
                        (mismatch ? " does not match certificate " + chain : std::string()));
  }
  if (SSL_CTX_check_private_key(ctx) != 1)
    return openSslError("TLS key " + key + " does not match certificate " + chain);
  return {};
}

Error loadCa(SSL_CTX* ctx, const std::string& caFile) {
  if (Error e = checkReadable("CA file", caFile)) return e;
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, caFile.c_str(), nullptr) != 1)
    return openSslError("TLS CA file " + caFile);
  return {};
}

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
               unsigned inLength, void* arg) {
  const auto* ours = static_cast<const std::string*>(arg);
  unsigned char* chosen = nullptr;
  int rc = SSL_select_next_proto(&chosen, outLength,
                                 reinterpret_cast<const unsigned char*>(ours->data()),
                                 static_cast<unsigned>(ours->size()), in, inLength);
  if (rc != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;  // no common protocol: none
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

// The ALPN wire list lives as long as the SSL_CTX: held in its ex_data.
int alpnIndex() {
  static const int index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::string*>(ptr);
      });
  return index;
}

Result<CtxPtr> buildServer(const TlsServerOptions& o) {
  auto ctx = baseContext(true);
  if (!ctx) return ctx.error();
  if (Error e = loadPair(ctx->get(), o.certificateChainFile, o.keyFile)) return e;
  if (o.verifyClients || !o.clientCaFile.empty()) {
    if (o.clientCaFile.empty()) return Error(UV_EINVAL, "TLS: verifying clients needs a CA file");
    if (Error e = loadCa(ctx->get(), o.clientCaFile)) return e;
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.clientCaFile.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx->get(), names);
    if (o.verifyClients)
      SSL_CTX_set_verify(ctx->get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  if (!o.alpn.empty()) {
    auto wire = alpnWire(o.alpn);
    if (!wire) return wire.error();
    auto* held = new std::string(std::move(*wire));
    SSL_CTX_set_ex_data(ctx->get(), alpnIndex(), held);
    SSL_CTX_set_alpn_select_cb(ctx->get(), selectAlpn, held);
  }
  return ctx;
}

Result<CtxPtr> buildClient(const TlsClientOptions& o) {
  auto ctx = baseContext(false);
  if (!ctx) return ctx.error();
  if (!o.caFile.empty()) {
    if (Error e = loadCa(ctx->get(), o.caFile)) return e;
  } else if (o.verifyPeer && SSL_CTX_set_default_verify_paths(ctx->get()) != 1) {
    return openSslError("TLS system CA store");
  }
  SSL_CTX_set_verify(ctx->get(), o.verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  if (!o.certificateChainFile.empty() || !o.keyFile.empty()) {
    if (Error e = loadPair(ctx->get(), o.certificateChainFile, o.keyFile)) return e;
  }
  if (!o.alpn.empty()) {
    auto wire = alpnWire(o.alpn);
    if (!wire) return wire.error();
    if (SSL_CTX_set_alpn_protos(ctx->get(), reinterpret_cast<const unsigned char*>(wire->data()),
                                static_cast<unsigned>(wire->size())) != 0)
      return openSslError("TLS ALPN");
  }
  return ctx;
}

}  // namespace

bool TlsContext::available() {
  return true;
}

TlsContext::TlsContext(bool isServer, ssl_ctx_st* ctx, TlsServerOptions server,
                       TlsClientOptions client)
    : isServer_(isServer),
      ctx_(ctx),
      serverOptions_(std::move(server)),
      clientOptions_(std::move(client)) {}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

Result<std::shared_ptr<TlsContext>> TlsContext::server(const TlsServerOptions& options) {
  auto ctx = buildServer(options);
  if (!ctx) return ctx.error();
  return std::shared_ptr<TlsContext>(new TlsContext(true, ctx->release(), options, {}));
}

Result<std::shared_ptr<TlsContext>> TlsContext::client(const TlsClientOptions& options) {
  auto ctx = buildClient(options);
  if (!ctx) return ctx.error();
  return std::shared_ptr<TlsContext>(new TlsContext(false, ctx->release(), {}, options));
}

Error TlsContext::reload(const std::string& certificateChainFile, const std::string& keyFile) {
  // A whole new SSL_CTX: sessions made from the old one hold a reference
  // to it and keep their pair; only new handshakes see the new one. The
  // lock is held throughout (reloads are rare; a handshake that starts
  // meanwhile waits for the files to load), so concurrent reloads are safe.
  std::lock_guard<std::mutex> lock(mutex_);
  Result<CtxPtr> fresh = CtxPtr(nullptr, &SSL_CTX_free);
  if (isServer_) {
    TlsServerOptions o = serverOptions_;
    o.certificateChainFile = certificateChainFile;
    o.keyFile = keyFile;
    fresh = buildServer(o);
    if (!fresh) return fresh.error();
    serverOptions_ = std::move(o);
  } else {
    TlsClientOptions o = clientOptions_;
    o.certificateChainFile = certificateChainFile;
    o.keyFile = keyFile;
    fresh = buildClient(o);
    if (!fresh) return fresh.error();
    clientOptions_ = std::move(o);
  }
  if (isServer_) {
    // Tickets issued before the reload still resume after it: the ticket
    // keys are the context's, not the certificate's, and new keys would
    // send every client through a full handshake at once.
    unsigned char keys[80];
    if (SSL_CTX_get_tlsext_ticket_keys(ctx_, keys, sizeof keys) == 1)
      SSL_CTX_set_tlsext_ticket_keys(fresh->get(), keys, sizeof keys);
    OPENSSL_cleanse(keys, sizeof keys);
  }
  SSL_CTX_free(ctx_);
  ctx_ = fresh->release();
  return {};
}

ssl_ctx_st* TlsContext::acquire() const {
  std::lock_guard<std::mutex> lock(mutex_);
  SSL_CTX_up_ref(ctx_);
  return ctx_;
}

void TlsContext::release(ssl_ctx_st* ctx) {
  SSL_CTX_free(ctx);
}

}  // namespace uvreactor
