// A build without TLS (-DUVR_TLS=OFF): contexts cannot be made, so no
// connection ever has a TLS session and the record layer below is never
// reached; it exists so that TcpConnection links unchanged.
#include <uv.h>

#include <cstdlib>

#include "TcpConnection.hpp"
#include "TlsSession.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor {

namespace {
Error notBuilt() {
  return Error(UV_ENOTSUP, "TLS: this build of uvreactor has no TLS (built with UVR_TLS=OFF)");
}
}  // namespace

bool TlsContext::available() {
  return false;
}
Result<std::shared_ptr<TlsContext>> TlsContext::server(const TlsServerOptions&) {
  return notBuilt();
}
Result<std::shared_ptr<TlsContext>> TlsContext::client(const TlsClientOptions&) {
  return notBuilt();
}
TlsContext::~TlsContext() = default;
Error TlsContext::reload(const std::string&, const std::string&) {
  return notBuilt();
}
ssl_ctx_st* TlsContext::acquire() const {
  return nullptr;
}
void TlsContext::release(ssl_ctx_st*) {}

}  // namespace uvreactor

namespace uvreactor::detail {

TlsSession::~TlsSession() = default;
bool TlsSession::hasInput() const {
  return false;
}
void TlsSession::closeNotify() {}

// Unreachable: tls_ is never set without a TlsContext.
void TcpConnection::beginTls() {
  abortWith(Error(UV_ENOTSUP, "TLS: this build of uvreactor has no TLS"));
}
void TcpConnection::onTlsRead(ssize_t, const uv_buf_t*) {
  std::abort();
}
void TcpConnection::pumpTls() {
  std::abort();
}
void TcpConnection::sealTls() {
  std::abort();
}
void TcpConnection::failHandshake(const std::string&) {
  std::abort();
}
OutputQueue& TcpConnection::tlsWire() {
  std::abort();
}
std::size_t TcpConnection::tlsMemory() const {
  std::abort();
}
std::size_t TcpConnection::tlsQueued() const {
  std::abort();
}
TlsInfo TcpConnection::tls() const {
  return {};
}

}  // namespace uvreactor::detail
