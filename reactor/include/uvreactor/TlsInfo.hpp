// TlsInfo: what a handler may learn about its connection's TLS session.
//
// A plain value, copied out of the connection (Connection::tls()); a
// plaintext connection, and FakeConnection, report active == false and
// empty fields. Loop-thread only, like the Connection it came from.
#pragma once

#include <string>

namespace uvreactor {

struct TlsInfo {
  bool active = false;        // the connection is TLS and its handshake is done
  std::string version;        // "TLSv1.3", "TLSv1.2"
  std::string cipher;         // OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384"
  std::string alpn;           // the protocol both sides chose; empty: none
  std::string peerSubject;    // the peer certificate's subject; empty: it sent none
  bool peerVerified = false;  // the peer's certificate chain was checked and passed
  // OpenSSL's verification result for the peer certificate ("ok", or why not).
  std::string verifyResult;
};

}  // namespace uvreactor
