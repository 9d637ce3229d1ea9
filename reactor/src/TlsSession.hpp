// Internal: one connection's TLS record layer (an OpenSSL SSL object).
//
// OpenSSL reads and writes through one BIO of our own. It reads ciphertext
// straight from the view feed() names (the loop's read slab), so bytes are
// copied only when the connection stops before OpenSSL took them all
// (keepInput); it writes records straight into wire(), the queue the
// connection sends from. Plaintext is delivered by read() into the caller's
// buffer. Nothing here holds memory while idle: OpenSSL's record buffers are
// released (SSL_MODE_RELEASE_BUFFERS) and the kept input is freed once read.
//
// Owned by its TcpConnection; loop-thread only. No libuv, no handler: the
// connection decides when to read, write and close.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "OutputQueue.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/TlsInfo.hpp"

struct ssl_st;

namespace uvreactor {
class TlsContext;
}

namespace uvreactor::detail {

class TlsSession {
 public:
  enum class Status : uint8_t {
    Ok,          // done (handshake) or bytes delivered (read)
    WantInput,   // OpenSSL needs more ciphertext than it was given
    PeerClosed,  // the peer's close_notify arrived
    Failed,      // a fatal alert or error: see failure()
  };

  // A server session if `context` is a server context; a client one sends
  // `serverName` as SNI (unless it is an IP address) and, if the context
  // verifies, checks the certificate against it.
  static Result<std::unique_ptr<TlsSession>> create(const TlsContext& context,
                                                    std::string_view serverName);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext OpenSSL reads next, valid until keepInput() or the next feed.
  void feed(const char* data, std::size_t size);
  // Copies what OpenSSL has not read of the fed view into memory of its own.
  void keepInput();
  // Kept ciphertext not read yet, or plaintext OpenSSL decrypted and holds.
  bool hasInput() const;

  Status handshake();
  bool handshakeDone() const { return handshakeDone_; }
  // Decrypts up to `capacity` bytes into `out` (`got` says how many, also
  // with WantInput: then they are all there is until more is fed).
  Status read(char* out, std::size_t capacity, std::size_t& got);
  // Encrypts every byte of `plain` into as few records as fit (full records
  // for bulk) on wire(); `plain`'s write callbacks move to wire(), due once
  // the records that carry their bytes are written.
  Status seal(OutputQueue& plain);
  // Queues close_notify (once).
  void closeNotify();
  bool closeNotifySent() const { return closeNotifySent_; }
  bool peerClosed() const;

  OutputQueue& wire() { return wire_; }
  // Output memory held: records not yet written. Counts against the water
  // marks and the slow-consumer cap, as a plaintext queue does.
  std::size_t wireMemory() const { return wire_.empty() ? 0 : wire_.memory(); }
  // Input memory held: ciphertext kept until the connection reads again.
  // Bounded by one read (the socket stops while any is kept), and never an
  // output figure: a water mark must not wait for input to drain.
  std::size_t keptMemory() const { return kept_.capacity(); }
  const std::string& failure() const { return failure_; }
  TlsInfo info() const;

 private:
  explicit TlsSession(ssl_st* ssl) : ssl_(ssl) {}
  Status statusOf(int rc);
  static void onInfo(const ssl_st* ssl, int where, int value);
  // Post-handshake messages allowed from the peer: a few, and one more per
  // MiB read.
  static constexpr uint64_t kFreeUpdates = 32;
  static constexpr uint64_t kBytesPerUpdate = 1024 * 1024;
  uint64_t updateAllowance() const;

  ssl_st* ssl_;
  const char* in_ = nullptr;  // unread fed ciphertext
  std::size_t inSize_ = 0;
  std::string kept_;  // ciphertext kept across reads (in_ points into it)
  OutputQueue wire_;
  std::string failure_;
  uint64_t plainRead_ = 0;    // plaintext read since the handshake
  uint64_t peerUpdates_ = 0;  // post-handshake messages (see onInfo)
  bool outOfMemory_ = false;  // a BIO write could not queue its record
  bool handshakeDone_ = false;
  bool closeNotifySent_ = false;
  friend struct TlsBio;
};

}  // namespace uvreactor::detail
