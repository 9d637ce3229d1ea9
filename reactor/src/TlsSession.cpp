#include "TlsSession.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <uv.h>

#include <algorithm>
#include <cstring>

#include "TlsErrors.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor::detail {

std::string takeOpenSslReason() {
  std::string text;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(e));
  }
  return text.empty() ? "unknown error" : text;
}

// The BIO OpenSSL reads and writes through: reads come from the fed view,
// writes go to the wire queue. It never blocks and never fails a write.
struct TlsBio {
  static TlsSession& session(BIO* b) { return *static_cast<TlsSession*>(BIO_get_data(b)); }

  // Called inside OpenSSL's C frames: nothing may unwind through them.
  static int write(BIO* b, const char* data, int size) noexcept {
    try {
      session(b).wire_.appendCopy(std::string_view(data, static_cast<std::size_t>(size)));
    } catch (...) {
      session(b).outOfMemory_ = true;
      return -1;
    }
    return size;
  }
  static int read(BIO* b, char* out, int size) noexcept {
    BIO_clear_retry_flags(b);
    TlsSession& s = session(b);
    if (s.inSize_ == 0) {
      BIO_set_retry_read(b);
      return -1;
    }
    std::size_t n = std::min(s.inSize_, static_cast<std::size_t>(size));
    std::memcpy(out, s.in_, n);
    s.in_ += n;
    s.inSize_ -= n;
    return static_cast<int>(n);
  }
  static long ctrl(BIO*, int cmd, long, void*) noexcept { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
  static int create(BIO* b) noexcept {
    BIO_set_init(b, 1);
    return 1;
  }

  static BIO_METHOD* method() {
    static BIO_METHOD* m = [] {
      BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "uvreactor");
      BIO_meth_set_write(bm, write);
      BIO_meth_set_read(bm, read);
      BIO_meth_set_ctrl(bm, ctrl);
      BIO_meth_set_create(bm, create);
      return bm;
    }();
    return m;
  }
};

Result<std::unique_ptr<TlsSession>> TlsSession::create(const TlsContext& context,
                                                       std::string_view serverName) {
  ERR_clear_error();
  SSL_CTX* ctx = context.acquire();
  SSL* ssl = SSL_new(ctx);
  SSL_CTX_free(ctx);  // the SSL holds its own reference
  if (ssl == nullptr) return Error(UV_ENOMEM, "TLS session: " + takeOpenSslReason());
  std::unique_ptr<TlsSession> session(new TlsSession(ssl));
  BIO* bio = BIO_new(TlsBio::method());
  if (bio == nullptr) return Error(UV_ENOMEM, "TLS session: " + takeOpenSslReason());
  BIO_set_data(bio, session.get());
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways, owned by the SSL
  if (context.isServer()) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
    std::string name(serverName);
    in6_addr any;
    bool isAddress =
        inet_pton(AF_INET, name.c_str(), &any) == 1 || inet_pton(AF_INET6, name.c_str(), &any) == 1;
    // A name OpenSSL refuses (too long for SNI, not a host name) fails the
    // connect here, rather than a handshake that checks nothing.
    bool named = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1
                 : name.empty() ? true
                                : SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
                                      SSL_set1_host(ssl, name.c_str()) == 1;
    if (!named) {
      return Error(UV_EINVAL,
                   "TLS server name '" + name + "': refused (" + takeOpenSslReason() + ")");
    }
  }
  SSL_set_info_callback(ssl, TlsSession::onInfo);
  return session;
}

// A peer's post-handshake messages: TLS 1.3 KeyUpdates (and, to a client,
// session tickets). OpenSSL bounds only 32 KeyUpdates in a row with no data
// between; a peer that puts one byte between them gets a key derivation
// (and, if it asks, a reply record) per record for ever. So they are
// counted as OpenSSL's state machine reads them, and a few per MiB are allowed.
void TlsSession::onInfo(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_LOOP) == 0) return;
  OSSL_HANDSHAKE_STATE state = SSL_get_state(ssl);
  if (state != TLS_ST_SR_KEY_UPDATE && state != TLS_ST_CR_KEY_UPDATE &&
      state != TLS_ST_CR_SESSION_TICKET)
    return;
  auto* session = static_cast<TlsSession*>(BIO_get_data(SSL_get_rbio(ssl)));
  if (session != nullptr && session->handshakeDone_) ++session->peerUpdates_;
}

uint64_t TlsSession::updateAllowance() const {
  return kFreeUpdates + plainRead_ / kBytesPerUpdate;
}

TlsSession::~TlsSession() {
  SSL_free(ssl_);
}

void TlsSession::feed(const char* data, std::size_t size) {
  if (kept_.empty()) {
    in_ = data;
    inSize_ = size;
    return;
  }
  kept_.append(data, size);
  in_ = kept_.data();
  inSize_ = kept_.size();
}

void TlsSession::keepInput() {
  bool fromKept = !kept_.empty() && in_ >= kept_.data() && in_ <= kept_.data() + kept_.size();
  if (inSize_ == 0) {
    std::string().swap(kept_);  // read up: hold nothing
  } else if (fromKept) {
    kept_.erase(0, static_cast<std::size_t>(in_ - kept_.data()));
  } else {
    kept_.assign(in_, inSize_);
  }
  in_ = kept_.data();
  inSize_ = kept_.size();
}

bool TlsSession::hasInput() const {
  // SSL_pending, not SSL_has_pending: a record OpenSSL holds only in part
  // needs more from the socket, and must not count as input to read now.
  return inSize_ != 0 || SSL_pending(ssl_) > 0;
}

TlsSession::Status TlsSession::statusOf(int rc) {
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return Status::WantInput;
    case SSL_ERROR_ZERO_RETURN:
      return Status::PeerClosed;
    default:
      break;
  }
  if (outOfMemory_) {
    failure_ = "out of memory";
    ERR_clear_error();
    return Status::Failed;
  }
  if (peerUpdates_ > updateAllowance()) {
    failure_ = "too many key updates from the peer (" + std::to_string(peerUpdates_) + ")";
    ERR_clear_error();
    return Status::Failed;
  }
  // Only a session that verifies its peer fails for the verification; an
  // insecure connector's unverified certificate is not the reason.
  long verify = SSL_get_verify_result(ssl_);
  bool verifies = (SSL_get_verify_mode(ssl_) & SSL_VERIFY_PEER) != 0;
  if (verify != X509_V_OK && verifies && !handshakeDone_) {
    failure_ = std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify);
    ERR_clear_error();
  } else {
    failure_ = takeOpenSslReason();
  }
  return Status::Failed;
}

TlsSession::Status TlsSession::handshake() {
  ERR_clear_error();
  int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    handshakeDone_ = true;
    return Status::Ok;
  }
  Status s = statusOf(rc);
  return s == Status::PeerClosed ? Status::Failed : s;
}

TlsSession::Status TlsSession::read(char* out, std::size_t capacity, std::size_t& got) {
  got = 0;
  ERR_clear_error();
  while (got < capacity) {
    std::size_t n = 0;
    int rc = SSL_read_ex(ssl_, out + got, capacity - got, &n);
    plainRead_ += n;
    if (peerUpdates_ > updateAllowance()) [[unlikely]]
      return statusOf(rc);
    if (rc != 1) return statusOf(rc);  // WantInput with what `got` holds
    got += n;
    // Everything fed is read and nothing decrypted is left (OpenSSL reads no
    // record ahead): another call could only say WantInput. One call per
    // record saved on the per-message path.
    if (inSize_ == 0 && SSL_pending(ssl_) == 0) return Status::WantInput;
  }
  return Status::Ok;
}

TlsSession::Status TlsSession::seal(OutputQueue& plain) {
  // Small sends are gathered into one record's worth before encryption, so
  // a pass's many short messages become one record, not one each.
  constexpr std::size_t kRecord = 16 * 1024;
  constexpr unsigned kBufs = 64;
  thread_local char staging[kRecord];
  std::size_t fill = 0;
  bool ok = true;
  ERR_clear_error();
  auto encrypt = [&](const char* p, std::size_t n) {
    std::size_t written = 0;
    if (ok && SSL_write_ex(ssl_, p, n, &written) != 1) ok = false;
  };
  uv_buf_t bufs[kBufs];
  while (ok && !plain.empty()) {
    unsigned count = plain.gather(bufs, kBufs);
    std::size_t total = 0;
    for (unsigned i = 0; i < count; ++i) {
      const char* p = bufs[i].base;
      std::size_t left = bufs[i].len;
      total += left;
      while (left > 0) {
        if (fill == 0 && left >= kRecord) {
          std::size_t whole = left - left % kRecord;
          encrypt(p, whole);
          p += whole;
          left -= whole;
          continue;
        }
        std::size_t take = std::min(kRecord - fill, left);
        std::memcpy(staging + fill, p, take);
        fill += take;
        p += take;
        left -= take;
        if (fill == kRecord) {
          encrypt(staging, fill);
          fill = 0;
        }
      }
    }
    plain.consume(total);
  }
  if (fill > 0) encrypt(staging, fill);
  if (!ok) {
    failure_ = outOfMemory_ ? std::string("out of memory") : takeOpenSslReason();
    return Status::Failed;
  }
  std::vector<WriteCallback> due;
  plain.takeDue(plain.handed(), due);
  for (auto& done : due) wire_.addCallback(std::move(done));
  return Status::Ok;
}

void TlsSession::closeNotify() {
  if (closeNotifySent_) return;
  closeNotifySent_ = true;
  ERR_clear_error();
  if (handshakeDone_) SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TlsSession::peerClosed() const {
  return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0;
}

TlsInfo TlsSession::info() const {
  TlsInfo info;
  if (!handshakeDone_) return info;
  info.active = true;
  info.version = SSL_get_version(ssl_);
  if (const char* cipher = SSL_get_cipher_name(ssl_)) info.cipher = cipher;
  const unsigned char* alpn = nullptr;
  unsigned alpnLength = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpnLength);
  if (alpn != nullptr) info.alpn.assign(reinterpret_cast<const char*>(alpn), alpnLength);
  long verify = SSL_get_verify_result(ssl_);
  info.verifyResult = X509_verify_cert_error_string(verify);
  if (X509* cert = SSL_get1_peer_certificate(ssl_)) {
    char* subject = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
    if (subject != nullptr) info.peerSubject = subject;
    OPENSSL_free(subject);
    X509_free(cert);
    info.peerVerified = verify == X509_V_OK && (SSL_get_verify_mode(ssl_) & SSL_VERIFY_PEER) != 0;
  }
  return info;
}

}  // namespace uvreactor::detail
