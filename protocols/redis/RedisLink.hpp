// RedisLink: a Redis client written like a server, on uvreactor's own
// TcpConnector and the RESP parser (Debian's hiredis 0.14 libuv adapter
// hangs on connection errors, and this also proves the library).
//
// Two connections to one Redis: one for commands, replies matched in order;
// one in subscriber mode, opened on the first subscribe. Each reconnects
// forever with capped, jittered backoff; channels are subscribed again after
// a reconnect. A link is checked by PING every pingIntervalMs, and one whose
// oldest reply is overdue by replyTimeoutMs is dropped (a stalled Redis, e.g.
// SIGSTOP), as is one that sends garbage. Commands wait while the link is
// down, up to maxPendingBytes; past that they fail at once and are counted.
// Callbacks in flight when a link drops get an error; what a callback throws
// is logged and stops nothing (the link still reconnects). A connection
// whose AUTH, PING or SUBSCRIBE is answered by an error is dropped and
// retried like a failed one. With a TLS context (rediss://) both
// connections are TLS sessions that verify Redis's certificate; a handshake
// that fails (an unknown CA, a wrong name, a client certificate Redis
// refuses) is retried with the same backoff, and its reason logged at warn,
// rate-limited, while the link stays down. onState(up) reports
// when the links are all up, and when one goes down; if the first attempt
// fails before they were ever up, that is reported once too (down), so the
// owner knows the outcome of the start either way.
//
// Owned by its creator; destroying it closes both connections (no callback
// runs after). Loop-thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "redis/Resp.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/LogRateLimit.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/TlsContext.hpp"

namespace uvreactor::protocols::redis {

struct RedisOptions {
  uint64_t connectTimeoutMs = 2000;
  uint64_t initialBackoffMs = 100;
  uint64_t maxBackoffMs = 5000;
  uint64_t pingIntervalMs = 1000;
  uint64_t replyTimeoutMs = 3000;
  std::size_t maxPendingBytes = 4 * 1024 * 1024;
  RespLimits limits;
  // AUTH on every connection when a password is set: "AUTH user password"
  // (a Redis 6 ACL user) or "AUTH password" (requirepass). A refused AUTH
  // drops the connection, logged with Redis's reason (never the password),
  // and it is retried with backoff.
  std::string user;
  std::string password;
  // TLS: set (a client context), both connections are TLS to Redis; the
  // name checked against Redis's certificate and sent as SNI is
  // tlsServerName, or else the address connected to.
  std::shared_ptr<TlsContext> tls;
  std::string tlsServerName;
};

struct RedisStats {
  uint64_t connects = 0;  // connections made, both links
  uint64_t drops = 0;     // connections lost (error, stall, garbage)
  uint64_t rejected = 0;  // commands refused: the pending bound was full
};

class RedisLink {
 public:
  using ReplyCallback = std::function<void(const Error&, const RespValue&)>;
  using MessageCallback = std::function<void(std::string_view channel, std::string_view message)>;

  RedisLink(Loop& loop, Endpoint at, RedisOptions options, std::function<void(bool up)> onState,
            MessageCallback onMessage);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Runs `args` on the command link; `done` (optional) gets the reply, or an
  // error if the link drops first. False (and `done` told) when refused.
  bool command(std::vector<std::string> args, ReplyCallback done = nullptr);
  // The same for a command already encoded with encodeCommand (a hot path
  // builds it in place, without a vector of strings).
  bool commandEncoded(std::string bytes, ReplyCallback done = nullptr);
  // Reference-counted: the channel is subscribed while any holder wants it.
  void subscribe(const std::string& channel);
  void unsubscribe(const std::string& channel);

  bool up() const;
  const RedisStats& stats() const { return stats_; }

 private:
  class Session;
  class SessionHandler;
  void sessionChanged();
  void attemptFailed();
  // A failed connection's reason: warn, rate-limited, when the link is
  // refused for good reason (TLS), info for one Redis merely down.
  void logFailure(const Error& e);

  Loop& loop_;
  Endpoint at_;
  RedisOptions options_;
  std::function<void(bool)> onState_;
  MessageCallback onMessage_;
  std::map<std::string, int> channels_;
  RedisStats stats_;
  LogRateLimit failureLog_{5, 60000};  // one line per backoff, never a flood
  std::unique_ptr<Session> commands_;
  std::unique_ptr<Session> subscriber_;
  bool reportedUp_ = false;
  bool reportedOnce_ = false;  // any state reported yet
};

}  // namespace uvreactor::protocols::redis
