#include "uvreactor/TcpConnector.hpp"

#include <algorithm>
#include <random>

#include "ExceptionBarrier.hpp"
#include "TcpConnection.hpp"
#include "uvreactor/Timer.hpp"

namespace uvreactor {

struct TcpConnector::Impl final : detail::ConnectionOwner {
  Impl(Loop& l, Endpoint t, HandlerFactory f, ConnectorOptions o,
       std::function<void(const Error&)> fail)
      : loop(l),
        to(t),
        factory(std::move(f)),
        options(std::move(o)),
        failed(std::move(fail)),
        timer(l),
        random(std::random_device{}()) {}

  // One in-flight uv_connect_t; it must outlive the connector if the
  // connector dies mid-connect, so it points back through a nullable link.
  struct Attempt {
    uv_connect_t req;
    Impl* impl;
  };

  Loop& loop;
  Endpoint to;
  HandlerFactory factory;
  ConnectorOptions options;
  std::function<void(const Error&)> failed;
  Timer timer;  // attempt timeout, then backoff
  std::mt19937_64 random;
  std::unique_ptr<detail::TcpConnection> connection;
  Attempt* attempt = nullptr;
  unsigned attempts = 0;
  bool isConnected = false;
  Error lastError;

  void tryConnect() {
    ++attempts;
    if (connection) {
      // The previous attempt's handle may still be closing; it frees itself.
      connection->detachOwner();
      connection.release();
    }
    connection = std::make_unique<detail::TcpConnection>(loop, this, options.connection, attempts);
    attempt = new Attempt{{}, this};
    attempt->req.data = attempt;
    int rc = uv_tcp_connect(&attempt->req, connection->tcp(), to.sockaddrPtr(),
                            [](uv_connect_t* req, int status) {
                              auto* a = static_cast<Attempt*>(req->data);
                              Impl* self = a->impl;
                              delete a;
                              if (self != nullptr) self->onConnect(status);
                            });
    if (rc != 0) {
      delete attempt;
      attempt = nullptr;
      fail(Error::fromUv(rc, "connect", to.toString()));
      return;
    }
    timer.start(options.connectTimeoutMs, 0, [this] {
      lastError = Error(UV_ETIMEDOUT, "connect " + to.toString() + ": timed out after " +
                                          std::to_string(options.connectTimeoutMs) + " ms");
      // Closing the handle makes libuv call the connect callback with ECANCELED.
      if (connection) connection->discard();
    });
  }

  void onConnect(int status) {
    attempt = nullptr;
    timer.stop();
    if (status != 0) {
      fail(status == UV_ECANCELED && lastError ? lastError
                                               : Error::fromUv(status, "connect", to.toString()));
      return;
    }
    std::unique_ptr<ConnectionHandler> handler;
    if (!detail::shielded("handler factory of connector to " + to.toString(),
                          [&] { handler = factory(*connection); })) {
      fail(Error(UV_ECANCELED, "connect " + to.toString() + ": the handler factory threw"));
      return;
    }
    if (!handler) {
      connection->discard();
      return;
    }
    isConnected = true;
    connection->start(std::move(handler));
  }

  void fail(Error error) {
    lastError = std::move(error);
    if (connection) connection->discard();  // its close callback drops it
    if (options.maxAttempts != 0 && attempts >= options.maxAttempts) {
      // Copies: the callback may destroy the connector, and this with it.
      if (failed) {
        auto callback = failed;
        Error last = lastError;
        detail::shielded("connector's failure callback", [&] { callback(last); });
      }
      return;
    }
    double r = std::uniform_real_distribution<double>(0.0, 1.0)(random);
    timer.start(backoffDelayMs(options, attempts, r), 0, [this] { tryConnect(); });
  }

  // A TLS connection whose handshake failed: the connect failed (and may be
  // retried), with the reason (a wrong name, an unknown CA, an expired
  // certificate).
  void handshakeFailed(detail::TcpConnection& c, const Error& error) override {
    if (connection.get() != &c) return;
    isConnected = false;
    fail(error);
  }

  void connectionClosed(detail::TcpConnection& c) override {
    if (connection.get() == &c) connection.reset();
  }
};

TcpConnector::TcpConnector(Loop& loop, Endpoint to, HandlerFactory factory,
                           ConnectorOptions options, std::function<void(const Error&)> failed)
    : impl_(new Impl(loop, to, std::move(factory), std::move(options), std::move(failed))) {}

TcpConnector::~TcpConnector() {
  if (impl_->attempt != nullptr) impl_->attempt->impl = nullptr;
  if (impl_->connection) {
    impl_->connection.release()->orphan(Error(UV_ECANCELED, "connector destroyed"));
  }
  delete impl_;  // its Timer closes its own handle
}

void TcpConnector::start() {
  if (impl_->attempts == 0) impl_->tryConnect();
}

unsigned TcpConnector::attempts() const {
  return impl_->attempts;
}
bool TcpConnector::connected() const {
  return impl_->isConnected && impl_->connection != nullptr;
}

uint64_t TcpConnector::backoffDelayMs(const ConnectorOptions& options, unsigned attempt,
                                      double random01) {
  uint64_t cap = options.initialBackoffMs;
  for (unsigned i = 1; i < attempt && cap < options.maxBackoffMs; ++i) cap *= 2;
  cap = std::min(cap, options.maxBackoffMs);
  return static_cast<uint64_t>(random01 * static_cast<double>(cap + 1));
}

}  // namespace uvreactor
