// TlsContext: the certificates, keys and settings TLS connections are made
// with (an OpenSSL SSL_CTX), built from PEM files.
//
// Made once, shared by pointer: one context serves any number of listeners,
// connectors and connections, on any number of loops and threads (the
// connection's options hold a std::shared_ptr to it). Every file is loaded
// and checked when the context is made, so a missing or unreadable file, a
// key that does not match its certificate or a bad CA file is an Error from
// the factory (naming the file and OpenSSL's reason), never a failure at the
// first handshake.
//
// Defaults that need no tuning: TLS 1.2 at least (1.3 preferred), only
// forward-secret AEAD cipher suites, no compression, no renegotiation,
// stateless session tickets (one per handshake), records released when a
// connection is idle (SSL_MODE_RELEASE_BUFFERS). A client verifies the
// server's certificate against the trusted CAs and the name it connects to;
// a server verifies client certificates only when asked to.
//
// reload() swaps a server's certificate and key for new handshakes; open
// sessions keep the pair they started with. Thread-safe (a mutex guards the
// swap, held only to take a reference at the start of a handshake).
//
// Present when the library was built with TLS (UVR_TLS, the default); in a
// build without it the factories return an Error saying so.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "uvreactor/Error.hpp"

struct ssl_ctx_st;

namespace uvreactor {

struct TlsServerOptions {
  std::string certificateChainFile;  // PEM: the server's certificate first, then intermediates
  std::string keyFile;               // PEM: its private key (unencrypted)
  // Client certificates: with verifyClients, a client must present one that
  // chains to a CA in this PEM file, or its handshake fails.
  std::string clientCaFile;
  bool verifyClients = false;
  // ALPN protocols in order of preference ("h2", "http/1.1", ...); empty: no
  // ALPN. A client offering none of them is served without ALPN.
  std::vector<std::string> alpn;
};

struct TlsClientOptions {
  // Trusted CAs (PEM); empty: the system's store (/etc/ssl/certs).
  std::string caFile;
  // false skips every check of the server's certificate: for tests and
  // benchmarks only, it gives no protection against an active attacker.
  bool verifyPeer = true;
  // A client certificate for servers that ask for one (both or neither).
  std::string certificateChainFile;
  std::string keyFile;
  std::vector<std::string> alpn;
};

class TlsContext {
 public:
  // True when this build of the library has TLS.
  static bool available();

  static Result<std::shared_ptr<TlsContext>> server(const TlsServerOptions& options);
  static Result<std::shared_ptr<TlsContext>> client(const TlsClientOptions& options);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  bool isServer() const { return isServer_; }
  // New handshakes use this certificate chain and key from now on; open
  // sessions keep theirs. On any error nothing changes.
  Error reload(const std::string& certificateChainFile, const std::string& keyFile);

  // Internal (the library's record layer): the current SSL_CTX with a
  // reference taken for the caller, who releases it with SSL_CTX_free.
  ssl_ctx_st* acquire() const;
  static void release(ssl_ctx_st* ctx);

 private:
  TlsContext(bool isServer, ssl_ctx_st* ctx, TlsServerOptions server, TlsClientOptions client);

  bool isServer_;
  mutable std::mutex mutex_;
  ssl_ctx_st* ctx_;
  TlsServerOptions serverOptions_;  // what reload() rebuilds the context from
  TlsClientOptions clientOptions_;
};

}  // namespace uvreactor
