#include "uvreactor/TcpListener.hpp"

#include <unordered_map>

#include "CloseAndDelete.hpp"
#include "TcpConnection.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor {

// Heap-held so that the listening handle can outlive the TcpListener object
// until its close callback.
struct TcpListener::Impl final : detail::ConnectionOwner {
  Impl(Loop& l, HandlerFactory f, ListenerOptions o)
      : loop(l), factory(std::move(f)), options(std::move(o)) {}

  Loop& loop;
  HandlerFactory factory;
  ListenerOptions options;
  uv_tcp_t server;
  Endpoint local;
  ListenerStats stats;
  bool accepting = false;
  uint64_t nextId = 1;
  std::unordered_map<detail::TcpConnection*, std::unique_ptr<detail::TcpConnection>> connections;
  std::function<void()> onDrained;

  void onConnection(int status);
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
    connections.erase(&c);
    if (connections.empty() && onDrained) {
      auto done = std::move(onDrained);
      onDrained = nullptr;
      done();
    }
  }
  void closeServer() {
    if (!accepting) return;
    accepting = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&server), [](uv_handle_t* h) {
      auto* self = static_cast<Impl*>(h->data);
      if (self->orphaned)
        delete self;
      else
        self->serverClosed = true;
    });
  }
  bool orphaned = false;
  bool serverClosed = false;
};

// A connection turned away by the limit still gets a handler: it writes the
// reject message, then closes, through the normal (bounded) close path.
namespace {
class RejectHandler final : public ConnectionHandler {
 public:
  explicit RejectHandler(const std::string& message) : message_(message) {}
  void onOpen(Connection& c) override {
    if (!message_.empty()) c.send(message_);
    c.close();
  }
  void onData(Connection&, std::string_view) override {}

 private:
  const std::string& message_;
};
}  // namespace

Result<std::unique_ptr<TcpListener>> TcpListener::listen(Loop& loop, const Endpoint& at,
                                                         HandlerFactory factory,
                                                         ListenerOptions options) {
  auto* impl = new Impl(loop, std::move(factory), std::move(options));
  uv_tcp_init(loop.raw(), &impl->server);
  impl->server.data = impl;
  impl->accepting = true;
  // The listener owns `impl` from here; on failure its destructor closes it.
  std::unique_ptr<TcpListener> listener(new TcpListener(impl));
  // libuv sets SO_REUSEADDR on bind, so a restarted server binds at once.
  int rc = uv_tcp_bind(&impl->server, at.sockaddrPtr(), at.isV6() ? UV_TCP_IPV6ONLY : 0);
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
  return listener;
}

void TcpListener::Impl::onConnection(int status) {
  if (status < 0) {
    // EMFILE/ENFILE: libuv has already accepted and closed the peer with its
    // reserve descriptor, so this does not spin; we only count and report.
    ++stats.acceptErrors;
    logLine(LogLevel::Warn, "accept " + local.toString() + ": " + uv_strerror(status));
    return;
  }
  auto owned = std::make_unique<detail::TcpConnection>(loop, this, options.connection, nextId++);
  detail::TcpConnection* c = owned.get();
  connections.emplace(c, std::move(owned));
  int rc = uv_accept(reinterpret_cast<uv_stream_t*>(&server), c->stream());
  if (rc != 0) {
    ++stats.acceptErrors;
    c->discard();
    return;
  }
  ++stats.accepted;
  if (options.maxConnections != 0 && connections.size() > options.maxConnections) {
    ++stats.rejectedByLimit;
    c->start(std::make_unique<RejectHandler>(options.rejectMessage));
    logLine(LogLevel::Info, "reject " + c->peer().toString() + ": connection limit " +
                                std::to_string(options.maxConnections) + " reached");
    return;
  }
  std::unique_ptr<ConnectionHandler> handler;
  try {
    handler = factory(*c);
  } catch (const std::exception& e) {
    logLine(LogLevel::Error, std::string("handler factory threw: ") + e.what());
  }
  if (!handler) {
    c->discard();
    return;
  }
  c->start(std::move(handler));
}

TcpListener::~TcpListener() {
  impl_->closeServer();
  impl_->onDrained = nullptr;
  // Connections still open delete themselves in their close callbacks.
  for (auto& [raw, owned] : impl_->connections) {
    owned->detachOwner();
    owned.release()->abortWith(Error(UV_ECANCELED, "listener destroyed"));
  }
  impl_->connections.clear();
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
const ListenerStats& TcpListener::stats() const {
  return impl_->stats;
}

void TcpListener::stopAccepting() {
  impl_->closeServer();
}

void TcpListener::shutdown(std::function<void()> done) {
  impl_->closeServer();
  if (impl_->connections.empty()) {
    if (done) done();
    return;
  }
  impl_->onDrained = std::move(done);
  // close() may finish synchronously for no connection, but never erases
  // from the map before its close callback, so iterating is safe.
  for (auto& entry : impl_->connections) entry.second->close();
}

void TcpListener::forEachConnection(const std::function<void(Connection&)>& visit) {
  for (auto& entry : impl_->connections) {
    if (entry.second->isOpen()) visit(*entry.second);
  }
}

}  // namespace uvreactor
