#include "redis/RedisLink.hpp"

#include <uv.h>

#include <algorithm>
#include <exception>
#include <random>

#include "uvreactor/Log.hpp"

namespace uvreactor::protocols::redis {
namespace {

// Runs one of the owner's callbacks. What it throws is logged and goes no
// further: an exception must not skip the link's own bookkeeping (a lost
// link that never reconnects) nor unwind into libuv.
template <class F>
void shielded(const Endpoint& at, F&& call) noexcept {
  try {
    call();
  } catch (const std::exception& e) {
    logLine(LogLevel::Error, "redis " + at.toString() + ": a callback threw: " + e.what());
  } catch (...) {
    logLine(LogLevel::Error, "redis " + at.toString() + ": a callback threw");
  }
}

// Redis's own words, for a log line: bounded, and no control characters
// (anything on Redis's port may have sent them).
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte >= 0x7f ? '?' : c);
  }
  return out;
}

}  // namespace

// One connection to Redis and everything that keeps it alive: reconnects,
// the PING check, the replies it waits for.
class RedisLink::Session {
 public:
  Session(RedisLink& link, bool subscriber)
      : link_(link),
        subscriber_(subscriber),
        parser_(link.options_.limits),
        reconnect_(link.loop_),
        tick_(link.loop_),
        random_(std::random_device{}()) {}
  ~Session() {
    ending_ = true;
    awaiting_.clear();
    unsent_.clear();
    connector_.reset();  // its handler's onClose runs now; ending_ silences it
  }

  void start();
  // Connected and answering: a Redis that accepts connections but never
  // replies (stopped) is not up.
  bool ready() const { return ready_; }
  bool send(std::string bytes, ReplyCallback done);
  void sendRaw(const std::string& bytes) {
    if (connection_ != nullptr) connection_->send(bytes);
  }

  void opened(Connection& c);
  void data(Connection& c, std::string_view bytes);
  void closed(const Error& reason);

 private:
  void onReply(RespValue&& reply);
  // Drops a connection that cannot be used; it reconnects with backoff.
  void drop(const std::string& why);
  void onTick();
  void scheduleReconnect();

  struct Unsent {
    std::string bytes;
    ReplyCallback done;
  };
  struct Awaiting {
    ReplyCallback done;
    uint64_t sentAtMs;
  };

  RedisLink& link_;
  bool subscriber_;
  RespParser parser_;
  std::unique_ptr<TcpConnector> connector_;
  Connection* connection_ = nullptr;
  std::deque<Unsent> unsent_;
  std::size_t unsentBytes_ = 0;
  std::deque<Awaiting> awaiting_;
  uint64_t pingSentAtMs_ = 0;  // subscriber: an unanswered PING
  uint64_t lastSendMs_ = 0;
  unsigned failures_ = 0;
  bool ending_ = false;
  bool ready_ = false;
  bool authPending_ = false;  // the first reply answers AUTH
  bool dropping_ = false;     // aborted: what is still parsed is ignored
  Timer reconnect_;
  Timer tick_;
  std::mt19937_64 random_;
};

class RedisLink::SessionHandler final : public ConnectionHandler {
 public:
  explicit SessionHandler(Session& session) : session_(session) {}
  void onOpen(Connection& c) override { session_.opened(c); }
  void onData(Connection& c, std::string_view bytes) override { session_.data(c, bytes); }
  void onClose(Connection&, const Error& reason) override { session_.closed(reason); }

 private:
  Session& session_;
};

void RedisLink::Session::start() {
  ConnectorOptions options;
  options.connectTimeoutMs = link_.options_.connectTimeoutMs;
  options.maxAttempts = 1;  // retries are ours, the same for failed connects and drops
  options.connection.tls = link_.options_.tls;
  options.connection.tlsServerName = link_.options_.tlsServerName;
  options.connection.tlsHandshakeTimeoutMs = link_.options_.connectTimeoutMs;
  connector_ = std::make_unique<TcpConnector>(
      link_.loop_, link_.at_,
      [this](Connection&) { return std::make_unique<SessionHandler>(*this); }, options,
      [this](const Error& e) {
        if (ending_) return;
        link_.logFailure(e);
        scheduleReconnect();
      });
  connector_->start();
}

bool RedisLink::Session::send(std::string bytes, ReplyCallback done) {
  if (connection_ != nullptr) {
    connection_->send(bytes);
    awaiting_.push_back({std::move(done), link_.loop_.nowMs()});
    lastSendMs_ = link_.loop_.nowMs();
    return true;
  }
  if (unsentBytes_ + bytes.size() > link_.options_.maxPendingBytes) {
    ++link_.stats_.rejected;
    if (done)
      shielded(link_.at_, [&] {
        done(Error(UV_ENOBUFS, "redis " + link_.at_.toString() +
                                   ": link down and its pending commands are full"),
             RespValue());
      });
    return false;
  }
  unsentBytes_ += bytes.size();
  unsent_.push_back({std::move(bytes), std::move(done)});
  return true;
}

void RedisLink::Session::opened(Connection& c) {
  connection_ = &c;
  parser_ = RespParser(link_.options_.limits);
  pingSentAtMs_ = 0;
  lastSendMs_ = link_.loop_.nowMs();
  dropping_ = false;
  ++link_.stats_.connects;
  // First of all: Redis answers in order, so the first reply is AUTH's.
  authPending_ = !link_.options_.password.empty();
  if (authPending_) {
    std::string auth;
    if (link_.options_.user.empty()) {
      encodeCommand(auth, {"AUTH", link_.options_.password});
    } else {
      encodeCommand(auth, {"AUTH", link_.options_.user, link_.options_.password});
    }
    c.send(auth);
  }
  if (subscriber_) {
    for (const auto& [channel, holders] : link_.channels_) {
      std::string bytes;
      encodeCommand(bytes, {"SUBSCRIBE", channel});
      c.send(bytes);
    }
  }
  // The first reply of any kind makes the session ready.
  std::string ping;
  encodeCommand(ping, {"PING"});
  if (subscriber_) {
    c.send(ping);
    pingSentAtMs_ = link_.loop_.nowMs();
  } else {
    send(std::move(ping), nullptr);
  }
  auto unsent = std::move(unsent_);
  unsent_.clear();
  unsentBytes_ = 0;
  for (auto& u : unsent) send(std::move(u.bytes), std::move(u.done));
  tick_.start(link_.options_.pingIntervalMs, link_.options_.pingIntervalMs, [this] { onTick(); });
}

void RedisLink::Session::data(Connection&, std::string_view bytes) {
  if (dropping_) return;
  Error e = parser_.feed(bytes, [this](RespValue&& reply) { onReply(std::move(reply)); });
  if (e && !dropping_) drop(e.message());
}

void RedisLink::Session::drop(const std::string& why) {
  logLine(LogLevel::Warn, "redis " + link_.at_.toString() + ": " + why + "; reconnecting");
  dropping_ = true;
  if (connection_ != nullptr) connection_->abort();
}

void RedisLink::Session::onReply(RespValue&& reply) {
  if (dropping_) return;
  if (authPending_) {
    authPending_ = false;
    // Redis's reason (WRONGPASS, or AUTH without a password set) never
    // holds the password.
    if (reply.isError()) drop("AUTH refused: " + printable(reply.text));
    return;
  }
  if (!ready_) {
    // The first reply of a session answers its PING or SUBSCRIBE: an error
    // there (NOAUTH: a password is needed; NOPERM) leaves it unusable.
    if (reply.isError()) return drop("refused: " + printable(reply.text));
    ready_ = true;
    failures_ = 0;  // backoff starts again only once a session was usable
    link_.sessionChanged();
  }
  if (subscriber_) {
    // Pushes: ["message", channel, payload], ["pong", ""], ["subscribe", ...];
    // with no channel subscribed, PING gets a plain +PONG.
    if (reply.type != RespValue::Type::Array || reply.elements.empty()) {
      if (reply.str() == "PONG") pingSentAtMs_ = 0;
      return;
    }
    std::string_view kind = reply.elements[0].str();
    if (kind == "message" && reply.elements.size() == 3) {
      if (link_.onMessage_)
        shielded(link_.at_,
                 [&] { link_.onMessage_(reply.elements[1].str(), reply.elements[2].str()); });
    } else if (kind == "pong") {
      pingSentAtMs_ = 0;
    }
    return;
  }
  if (awaiting_.empty()) return;  // unsolicited: nothing waits for it
  Awaiting front = std::move(awaiting_.front());
  awaiting_.pop_front();
  if (front.done) shielded(link_.at_, [&] { front.done(Error(), reply); });
}

void RedisLink::Session::closed(const Error& reason) {
  if (ending_) return;
  bool wasConnected = connection_ != nullptr;
  connection_ = nullptr;
  ready_ = false;
  tick_.stop();
  if (wasConnected) {
    ++link_.stats_.drops;
    // Rate-limited: a Redis that takes the connection and then refuses it
    // (a client certificate it does not trust) does so at every retry.
    link_.failureLog_.log(LogLevel::Warn, "redis " + link_.at_.toString() + ": link lost" +
                                              (reason ? ": " + reason.message() : std::string()));
  }
  auto awaiting = std::move(awaiting_);
  awaiting_.clear();
  Error lost(UV_ECONNRESET, "redis " + link_.at_.toString() + ": link lost before the reply");
  for (auto& a : awaiting) {
    if (a.done) shielded(link_.at_, [&] { a.done(lost, RespValue()); });
  }
  link_.sessionChanged();
  scheduleReconnect();
}

// A stalled Redis (stopped, or a dead peer behind a silent network) shows
// as a reply that does not come: drop the link and reconnect.
void RedisLink::Session::onTick() {
  if (connection_ == nullptr) return;
  uint64_t now = link_.loop_.nowMs();
  uint64_t oldest =
      subscriber_ ? pingSentAtMs_ : (awaiting_.empty() ? 0 : awaiting_.front().sentAtMs);
  if (oldest != 0 && now - oldest > link_.options_.replyTimeoutMs) {
    logLine(LogLevel::Warn, "redis " + link_.at_.toString() + ": no reply for " +
                                std::to_string(now - oldest) + " ms; reconnecting");
    connection_->abort();
    return;
  }
  if (subscriber_) {
    if (pingSentAtMs_ == 0) {
      std::string bytes;
      encodeCommand(bytes, {"PING"});
      connection_->send(bytes);
      pingSentAtMs_ = now;
    }
  } else if (awaiting_.empty() && now - lastSendMs_ >= link_.options_.pingIntervalMs) {
    std::string bytes;
    encodeCommand(bytes, {"PING"});
    send(std::move(bytes), nullptr);
  }
}

void RedisLink::Session::scheduleReconnect() {
  link_.attemptFailed();
  uint64_t cap = link_.options_.initialBackoffMs;
  for (unsigned i = 0; i < failures_ && cap < link_.options_.maxBackoffMs; ++i) cap *= 2;
  cap = std::min(cap, link_.options_.maxBackoffMs);
  ++failures_;
  uint64_t delay = std::uniform_int_distribution<uint64_t>(cap / 2, cap)(random_);
  reconnect_.start(delay, 0, [this] {
    connector_.reset();  // its connection is closed: nothing of it is on the stack
    start();
  });
}

RedisLink::RedisLink(Loop& loop, Endpoint at, RedisOptions options,
                     std::function<void(bool up)> onState, MessageCallback onMessage)
    : loop_(loop),
      at_(at),
      options_(options),
      onState_(std::move(onState)),
      onMessage_(std::move(onMessage)),
      commands_(std::make_unique<Session>(*this, false)) {
  commands_->start();
}

RedisLink::~RedisLink() {
  onState_ = nullptr;
  onMessage_ = nullptr;
  subscriber_.reset();
  commands_.reset();
}

bool RedisLink::command(std::vector<std::string> args, ReplyCallback done) {
  std::string bytes;
  encodeCommand(bytes, args);
  return commands_->send(std::move(bytes), std::move(done));
}

bool RedisLink::commandEncoded(std::string bytes, ReplyCallback done) {
  return commands_->send(std::move(bytes), std::move(done));
}

void RedisLink::subscribe(const std::string& channel) {
  if (++channels_[channel] != 1) return;
  if (!subscriber_) {
    subscriber_ = std::make_unique<Session>(*this, true);
    subscriber_->start();
    sessionChanged();
    return;  // it subscribes to every channel once connected
  }
  std::string bytes;
  encodeCommand(bytes, {"SUBSCRIBE", channel});
  subscriber_->sendRaw(bytes);
}

void RedisLink::unsubscribe(const std::string& channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end() || --it->second != 0) return;
  channels_.erase(it);
  if (!subscriber_) return;
  std::string bytes;
  encodeCommand(bytes, {"UNSUBSCRIBE", channel});
  subscriber_->sendRaw(bytes);
}

bool RedisLink::up() const {
  return commands_->ready() && (!subscriber_ || subscriber_->ready());
}

void RedisLink::sessionChanged() {
  bool now = up();
  if (now == reportedUp_) return;
  reportedUp_ = now;
  reportedOnce_ = true;
  if (onState_) shielded(at_, [&] { onState_(now); });
}

void RedisLink::logFailure(const Error& e) {
  std::string line = "redis " + at_.toString() + ": " + e.message();
  // A handshake that failed (UV_EPROTO: a certificate that fails
  // verification) will fail again until someone changes a file: the
  // operator must hear why, though not at every retry.
  if (options_.tls && e.code() == UV_EPROTO) {
    failureLog_.log(LogLevel::Warn, line + "; the link stays down (retried with backoff)");
  } else {
    logLine(LogLevel::Info, line);
  }
}

void RedisLink::attemptFailed() {
  if (reportedOnce_) return;
  reportedOnce_ = true;
  if (onState_) shielded(at_, [&] { onState_(false); });
}

}  // namespace uvreactor::protocols::redis
