#include "uvreactor/TcpListener.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "AddressKey.hpp"
#include "CloseAndDelete.hpp"
#include "ConnectionSet.hpp"
#include "ExceptionBarrier.hpp"
#include "Platform.hpp"
#include "TcpConnection.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor {

// Heap-held so that the listening handle can outlive the TcpListener object
// until its close callback.
struct TcpListener::Impl final : detail::ConnectionOwner {
  Impl(Loop& l, HandlerFactory f, ListenerOptions o)
      : loop(l), factory(std::move(f)), options(std::move(o)), rejectOptions(options.connection) {
    rejectOptions.closeTimeoutMs =
        std::min(options.rejectLingerMs, options.connection.closeTimeoutMs);
    rejectOptions.idleTimeoutMs = 0;
    // A TLS peer over a limit gets no handshake (that is the expensive
    // part) and no plaintext message it could not read: a FIN at once.
    rejectOptions.tls = nullptr;
  }

  Loop& loop;
  HandlerFactory factory;
  ListenerOptions options;
  ConnectionOptions rejectOptions;  // turned-away peers: a short linger
  std::unordered_set<detail::TcpConnection*> rejecting;
  uv_tcp_t server;
  Endpoint local;
  std::string factoryName;  // names the listener in a factory's exception
  ListenerStats stats;
  bool accepting = false;
  uint64_t nextId = 1;
  detail::ConnectionSet connections;
  std::function<void()> onDrained;

  void onConnection(int status);
  void reject(detail::TcpConnection& c, bool byAddress);
  // Admitted connections per peer network (maxPerAddress), keyed by
  // detail::addressKey.
  std::unordered_map<std::string, std::size_t> perAddress;
  std::unordered_map<const detail::TcpConnection*, std::string> addressOf;
  bool admitFromAddress(detail::TcpConnection& c);
  bool withinDescriptorReserve(detail::TcpConnection& c);
  void logDescriptorRejects();
  // RLIMIT_NOFILE's soft limit, read at most once per loop tick (it can be
  // changed from outside the process, with prlimit).
  uint64_t descriptorLimit = 0;
  uint64_t descriptorLimitReadAt = UINT64_MAX;
  // Every line a peer can cause is rate-limited: a log that grows with
  // the attack is a second attack.
  LogRateLimit rejectLog;
  LogRateLimit acceptErrorLog;
  LogRateLimit descriptorLog{1, 1000};
  std::size_t admitted() const { return connections.size() - rejecting.size(); }
  uint64_t lastTlsLogMs = 0;
  uint64_t tlsFailuresLogged = 0;  // lines in the current second
  uint64_t tlsFailuresUnlogged = 0;
  // Peers (addresses) whose failure was logged, and when: one line per
  // peer per minute. Forgotten whole when it grows past its bound.
  std::unordered_map<std::string, uint64_t> tlsFailuresLoggedFor;
  void handshakeFailed(detail::TcpConnection&, const Error& error) override;
  void connectionClosed(detail::TcpConnection& c) override {
    switch (c.cutoff()) {
      case detail::TcpConnection::Cutoff::IdleTimeout:
        ++stats.idleTimeouts;
        break;
      case detail::TcpConnection::Cutoff::SlowConsumer:
        ++stats.slowConsumers;
        break;
      case detail::TcpConnection::Cutoff::CloseTimeout:
        ++stats.closeTimeouts;
        break;
      case detail::TcpConnection::Cutoff::None:
        break;
    }
    rejecting.erase(&c);
    if (auto it = addressOf.find(&c); it != addressOf.end()) {
      if (--perAddress[it->second] == 0) perAddress.erase(it->second);
      addressOf.erase(it);
    }
    connections.erase(c);  // deletes it
    if (connections.empty() && onDrained) {
      auto done = std::move(onDrained);
      onDrained = nullptr;
      detail::shielded(shutdownName(), done);  // may destroy the listener
    }
  }
  void closeServer() {
    if (!accepting) return;
    accepting = false;
    auto* handle = reinterpret_cast<uv_handle_t*>(&server);
    if (uv_is_closing(handle) && detail::takeReclaimed(handle)) {  // by Loop::close(): no callback
      serverClosed = true;
      return;
    }
    uv_close(handle, [](uv_handle_t* h) {
      auto* self = static_cast<Impl*>(h->data);
      if (self->orphaned)
        delete self;
      else
        self->serverClosed = true;
    });
  }
  std::string shutdownName() const { return "shutdown callback of listener " + local.toString(); }
  bool orphaned = false;
  bool serverClosed = false;
};

// A connection turned away by the limit still gets a handler: it writes the
// reject message, then closes, through the normal (bounded) close path.
namespace {
class RejectHandler final : public ConnectionHandler {
 public:
  explicit RejectHandler(std::string_view message) : message_(message) {}
  void onOpen(Connection& c) override {
    if (!message_.empty()) c.send(message_);
    c.close();
  }
  void onData(Connection&, std::string_view) override {}

 private:
  std::string_view message_;  // the listener's options outlive its connections
};
}  // namespace

Result<std::unique_ptr<TcpListener>> TcpListener::listen(Loop& loop, const Endpoint& at,
                                                         HandlerFactory factory,
                                                         ListenerOptions options) {
  auto* impl = new Impl(loop, std::move(factory), std::move(options));
  // With reusePort the socket must exist before bind, to take the option.
  int rc = impl->options.reusePort
               ? uv_tcp_init_ex(loop.raw(), &impl->server, static_cast<unsigned>(at.family()))
               : uv_tcp_init(loop.raw(), &impl->server);
  if (rc != 0) {
    delete impl;  // no handle to close
    return Error::fromUv(rc, "socket", at.toString());
  }
  impl->server.data = impl;
  impl->accepting = true;
  // The listener owns `impl` from here; on failure its destructor closes it.
  std::unique_ptr<TcpListener> listener(new TcpListener(impl));
  if (impl->options.reusePort) {
    rc = detail::allowReusePort(reinterpret_cast<uv_handle_t*>(&impl->server));
    if (rc != 0) return Error::fromUv(rc, "reuse-port", at.toString());
  }
  // libuv sets SO_REUSEADDR on bind, so a restarted server binds at once.
  rc = uv_tcp_bind(&impl->server, at.sockaddrPtr(), at.isV6() ? UV_TCP_IPV6ONLY : 0);
  if (rc == 0) {
    rc = uv_listen(
        reinterpret_cast<uv_stream_t*>(&impl->server), impl->options.backlog,
        [](uv_stream_t* s, int status) { static_cast<Impl*>(s->data)->onConnection(status); });
  }
  if (rc != 0) return Error::fromUv(rc, "bind", at.toString());
  sockaddr_storage bound;
  int length = sizeof bound;
  uv_tcp_getsockname(&impl->server, reinterpret_cast<sockaddr*>(&bound), &length);
  impl->local = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  impl->factoryName = "handler factory of listener " + impl->local.toString();
  return listener;
}

void TcpListener::Impl::reject(detail::TcpConnection& c, bool byAddress) {
  ++(byAddress ? stats.rejectedByAddress : stats.rejectedByLimit);
  bool linger = rejecting.size() < options.maxRejecting;
  rejecting.insert(&c);
  if (linger) {
    c.start(std::make_unique<RejectHandler>(options.connection.tls ? std::string_view()
                                                                   : options.rejectMessage));
  } else {
    // A flood: no message, no linger, no handler; a reset right away.
    c.start(std::make_unique<RejectHandler>(std::string_view()));
    c.abortWith(Error(UV_ECONNREFUSED, "connection limit"));
  }
  rejectLog.log(LogLevel::Info,
                "reject " + c.peer().toString() +
                    (byAddress ? ": limit per address " + std::to_string(options.maxPerAddress)
                               : ": connection limit " + std::to_string(options.maxConnections)) +
                    " reached" + (linger ? "" : " (reset: too many rejected peers lingering)"));
}

void TcpListener::Impl::onConnection(int status) {
  if (status < 0) {
    // EMFILE/ENFILE: libuv has already accepted and closed the peer with its
    // reserve descriptor, so this does not spin; we only count and report.
    ++stats.acceptErrors;
    acceptErrorLog.log(LogLevel::Warn, "accept " + local.toString() + ": " + uv_strerror(status));
    return;
  }
  // Whether this peer is over the limit is known before accepting it, so a
  // turned-away peer gets the short-linger options from the start.
  bool over = options.maxConnections != 0 && admitted() >= options.maxConnections;
  detail::TcpConnection* c = &connections.add(std::make_unique<detail::TcpConnection>(
      loop, this, over ? rejectOptions : options.connection, nextId++));
  int rc = uv_accept(reinterpret_cast<uv_stream_t*>(&server), c->stream());
  if (rc != 0) {
    ++stats.acceptErrors;
    c->discard();
    return;
  }
  ++stats.accepted;
  if (options.descriptorReserve != 0 && withinDescriptorReserve(*c)) [[unlikely]] {
    ++stats.rejectedNoDescriptors;
    logDescriptorRejects();
    c->discard();
    return;
  }
  if (over) {
    reject(*c, false);
    return;
  }
  if (options.maxPerAddress != 0 && !admitFromAddress(*c)) {
    c->useOptions(rejectOptions);
    reject(*c, true);
    return;
  }
  std::unique_ptr<ConnectionHandler> handler;
  detail::shielded(factoryName, [&] { handler = factory(*c); });
  if (!handler) {
    c->discard();
    return;
  }
  c->start(std::move(handler));
}

bool TcpListener::Impl::admitFromAddress(detail::TcpConnection& c) {
  sockaddr_storage peer{};
  int length = sizeof peer;
  if (uv_tcp_getpeername(c.tcp(), reinterpret_cast<sockaddr*>(&peer), &length) != 0) return true;
  std::string key = detail::addressKey(reinterpret_cast<const sockaddr*>(&peer),
                                       options.perAddressPrefixV4, options.perAddressPrefixV6);
  std::size_t& count = perAddress[key];
  if (count >= options.maxPerAddress) return false;
  ++count;
  addressOf.emplace(&c, std::move(key));
  return true;
}

// Descriptors are allocated lowest first, so the accepted descriptor's number
// tells how full the table is without counting it.
bool TcpListener::Impl::withinDescriptorReserve(detail::TcpConnection& c) {
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(c.tcp()), &fd) != 0) return false;
  uint64_t now = loop.nowMs();
  if (now != descriptorLimitReadAt) {
    rlimit limit{};
    descriptorLimit = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                          ? limit.rlim_cur
                          : UINT64_MAX;
    descriptorLimitReadAt = now;
  }
  return static_cast<uint64_t>(fd) + options.descriptorReserve >= descriptorLimit;
}

void TcpListener::Impl::logDescriptorRejects() {
  descriptorLog.log(LogLevel::Warn, "accept " + local.toString() + ": descriptor limit " +
                                        std::to_string(descriptorLimit) +
                                        " nearly reached (keeping " +
                                        std::to_string(options.descriptorReserve) +
                                        " free); peers are closed unserved");
}

// Each failure is logged with its peer and reason, once per peer address a
// minute and up to ten lines a second; past that the count of the ones left
// out comes with the next line.
void TcpListener::Impl::handshakeFailed(detail::TcpConnection& c, const Error& error) {
  constexpr uint64_t kPeerQuietMs = 60 * 1000;
  constexpr std::size_t kPeersRemembered = 4096;
  ++stats.tlsHandshakeFailures;
  uint64_t now = loop.nowMs();
  if (tlsFailuresLoggedFor.size() >= kPeersRemembered) tlsFailuresLoggedFor.clear();
  auto [peer, first] = tlsFailuresLoggedFor.try_emplace(c.peer().host(), now);
  if (!first && now - peer->second < kPeerQuietMs) {
    ++tlsFailuresUnlogged;
    return;
  }
  peer->second = now;
  if (now - lastTlsLogMs >= 1000) {
    lastTlsLogMs = now;
    tlsFailuresLogged = 0;
  }
  if (tlsFailuresLogged >= 10) {
    ++tlsFailuresUnlogged;
    return;
  }
  ++tlsFailuresLogged;
  std::string line = error.message();
  if (tlsFailuresUnlogged != 0) {
    line +=
        " (" + std::to_string(tlsFailuresUnlogged) + " more TLS handshake failure(s) not logged)";
    tlsFailuresUnlogged = 0;
  }
  logLine(LogLevel::Info, line);
}

TcpListener::~TcpListener() {
  impl_->closeServer();
  impl_->onDrained = nullptr;
  // Every handler hears onClose and is destroyed here, before anything the
  // application destroys next; the connections' handles delete themselves
  // in their close callbacks. A handler's onClose may send to connections
  // not yet orphaned: they drop it when their turn comes.
  auto connections = impl_->connections.releaseAll();
  impl_->rejecting.clear();
  for (detail::TcpConnection* c : connections) {
    c->orphan(Error(UV_ECANCELED, "listener destroyed"));
  }
  if (impl_->serverClosed) {
    delete impl_;
  } else {
    impl_->orphaned = true;
  }
}

const Endpoint& TcpListener::localEndpoint() const {
  return impl_->local;
}
std::size_t TcpListener::connectionCount() const {
  return impl_->connections.size();
}
std::size_t TcpListener::admittedCount() const {
  return impl_->admitted();
}
const ListenerStats& TcpListener::stats() const {
  return impl_->stats;
}

void TcpListener::stopAccepting() {
  impl_->closeServer();
}

void TcpListener::shutdown(std::function<void()> done, uint64_t closeTimeoutMs) {
  impl_->closeServer();
  if (impl_->connections.empty()) {
    if (done) detail::shielded(impl_->shutdownName(), done);
    return;
  }
  impl_->onDrained = std::move(done);
  // close() may finish synchronously for no connection, but never erases
  // from the set before its close callback, so iterating is safe.
  for (std::size_t i = 0; i < impl_->connections.size(); ++i) {
    impl_->connections[i].closeWithin(closeTimeoutMs);
  }
}

void TcpListener::forEachConnection(const std::function<void(Connection&)>& visit) {
  for (std::size_t i = 0; i < impl_->connections.size(); ++i) {
    if (impl_->connections[i].isOpen()) visit(impl_->connections[i]);
  }
}

}  // namespace uvreactor
