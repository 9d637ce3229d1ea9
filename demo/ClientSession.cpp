#include "ClientSession.hpp"

#include <cstdio>
#include <iostream>
#include <optional>
#include <utility>

#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/UdpSocket.hpp"

namespace uvreactor::demo {
namespace {

void writeOut(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

class TcpSession final : public Session {
 public:
  TcpSession(Loop& loop, const Endpoint& to, uint64_t waitMs, InputCredit& credit,
             ConnectorOptions options)
      : Session(loop, waitMs, credit) {
    connector_.emplace(
        loop, to, [this](Connection&) { return std::make_unique<Handler>(*this); }, options,
        [this](const Error& e) {
          std::cerr << "uvreactor-client: " << e.message() << std::endl;
          exitCode = 1;
          stop();
        });
    connector_->start();
  }

  void send(std::string bytes) override {
    if (connection_ == nullptr) {
      backlog_ += bytes;  // not connected yet: keep order (bounded by the credit)
      return;
    }
    write(*connection_, std::move(bytes));
  }
  void endOfInput() override {
    inputFinished();
    if (connection_ != nullptr) finishInput(*connection_);
  }
  void stop() override {
    cancelQuiet();
    credit_.close();
    connector_.reset();
  }

 private:
  bool quietAllowed() const override { return allWritten_; }
  void write(Connection& c, std::string bytes) {
    std::size_t n = bytes.size();
    c.send(Payload::adopt(std::move(bytes)), [this, n](const Error&) { credit_.release(n); });
  }
  // Half-close after the input; the quiet period starts once it is written.
  void finishInput(Connection& c) {
    c.shutdownWrite();
    c.send(Payload(), [this](const Error& e) {
      if (e) return;
      allWritten_ = true;
      activity();
    });
  }

  struct Handler final : ConnectionHandler {
    explicit Handler(TcpSession& s) : session(s) {}
    // Only now may the session send: over TLS the handshake comes first.
    void onOpen(Connection& c) override {
      session.connection_ = &c;
      if (!session.backlog_.empty()) session.write(c, std::move(session.backlog_));
      session.backlog_.clear();
      if (session.inputDone_) session.finishInput(c);
    }
    void onData(Connection&, std::string_view bytes) override {
      writeOut(bytes);
      session.activity();
    }
    void onEof(Connection& c) override { c.close(); }
    void onClose(Connection&, const Error& reason) override {
      session.connection_ = nullptr;
      session.cancelQuiet();
      session.credit_.close();
      if (reason) {
        std::cerr << "uvreactor-client: " << reason.message() << std::endl;
        session.exitCode = 1;
      }
    }
    TcpSession& session;
  };

  std::optional<TcpConnector> connector_;
  Connection* connection_ = nullptr;
  std::string backlog_;
  bool allWritten_ = false;
};

class UdpSession final : public Session, public DatagramHandler {
 public:
  UdpSession(Loop& loop, const Endpoint& to, uint64_t waitMs, InputCredit& credit)
      : Session(loop, waitMs, credit), to_(to) {
    auto any = Endpoint::parse(to.isV6() ? "[::]:0" : "0.0.0.0:0");
    auto socket = UdpSocket::bind(loop, *any, *this);
    if (!socket) {
      std::cerr << "uvreactor-client: " << socket.error().message() << std::endl;
      exitCode = 1;
      return;
    }
    socket_ = std::move(*socket);
  }
  void send(std::string line) override {
    credit_.release(line.size());  // a datagram is sent or dropped at once
    if (!socket_) return;
    if (Error e = socket_->send(to_, line))
      std::cerr << "uvreactor-client: " << e.message() << "\n";
  }
  void endOfInput() override { inputFinished(); }
  void stop() override {
    cancelQuiet();
    credit_.close();
    socket_.reset();
  }
  void onDatagram(UdpSocket&, const Endpoint&, std::string_view bytes) override {
    writeOut(bytes);
    activity();
  }

 private:
  Endpoint to_;
  std::unique_ptr<UdpSocket> socket_;
};

}  // namespace

std::unique_ptr<Session> makeSession(Loop& loop, const ClientConfig& config, InputCredit& credit) {
  if (config.udp) return std::make_unique<UdpSession>(loop, config.to, config.waitMs, credit);
  return std::make_unique<TcpSession>(loop, config.to, config.waitMs, credit, config.connector);
}

}  // namespace uvreactor::demo
