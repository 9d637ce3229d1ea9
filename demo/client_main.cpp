// uvreactor-client: the tutorial's line client, written like a server: a
// TcpConnector hands the connection to a handler, and a stdin reader thread
// posts lines into the loop (Loop::post is the one thread-safe entry).
//
// End of input: over TCP the client half-closes and exits when the server
// closes its side (echo and chat both do), or after --wait seconds of quiet
// counted from when all input was written (never while still connecting).
// Over UDP it exits --wait seconds after the last reply.
//
// Input has backpressure: the reader thread stops reading stdin while more
// than kInputInFlight bytes are posted but not yet written to the socket, so
// a fast pipe or a server that does not read cannot grow our memory.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cxxopts.hpp>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "StandardDescriptors.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/TlsContext.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;

namespace {

void writeOut(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

// Shared by the TCP and UDP paths: lines to send, end of input, and the quiet
// timer that ends the session when the server goes silent.
// Bytes of input read but not yet written: the reader waits above the bound.
class InputCredit {
 public:
  static constexpr std::size_t kInputInFlight = 1 << 20;
  void acquire(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [&] { return inFlight_ < kInputInFlight || closed_; });
    inFlight_ += n;
  }
  void release(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_ -= std::min(n, inFlight_);
    freed_.notify_one();
  }
  // The session is over: never block the reader again.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  std::size_t inFlight_ = 0;
  bool closed_ = false;
};

class Session {
 public:
  Session(Loop& loop, uint64_t waitMs, InputCredit& credit)
      : credit_(credit), quiet_(loop), waitMs_(waitMs) {}
  virtual ~Session() = default;
  virtual void send(std::string bytes) = 0;
  virtual void endOfInput() = 0;
  virtual void stop() = 0;

  // Something happened after the end of input: restart the quiet period.
  void activity() {
    if (inputDone_ && quietAllowed()) quiet_.start(waitMs_, 0, [this] { stop(); });
  }
  void inputFinished() {
    inputDone_ = true;
    activity();
  }
  int exitCode = 0;

 protected:
  // TCP: only once connected and all input is written.
  virtual bool quietAllowed() const { return true; }
  void cancelQuiet() { quiet_.stop(); }
  InputCredit& credit_;
  bool inputDone_ = false;

 private:
  Timer quiet_;
  uint64_t waitMs_;
};

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

int main(int argc, char** argv) {
  uvreactor::demo::reopenClosedStandardDescriptors();
  cxxopts::Options options(
      "uvreactor-client",
      "Sends each line of stdin to HOST PORT and prints what comes back.\n"
      "At end of input: TCP half-closes and exits once the server closes its side (or after\n"
      "--wait seconds with no reply); UDP exits --wait seconds after the last reply.");
  // clang-format off
  options.add_options()
    ("host", "server address", cxxopts::value<std::string>())
    ("port", "server port", cxxopts::value<std::string>())
    ("u,udp", "use UDP datagrams, one per line",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("w,wait", "seconds of quiet after end of input before exiting",
      cxxopts::value<double>()->default_value("2"))
    ("tls", "TCP over TLS, verifying the server against the system's CAs (/etc/ssl/certs) "
            "and HOST", cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("tls-ca", "TLS: trust the CAs in this PEM file instead", cxxopts::value<std::string>())
    ("tls-server-name", "TLS: the name to send (SNI) and verify instead of HOST",
      cxxopts::value<std::string>())
    ("tls-insecure", "TLS: do not verify the server at all (tests only)",
      cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
    ("h,help", "show this help");
  // clang-format on
  options.parse_positional({"host", "port"});
  options.positional_help("HOST PORT");
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "uvreactor-client: " << e.what() << "\n\n" << options.help() << std::endl;
    return 2;
  }
  if (args.count("help")) {
    std::cout << options.help() << std::endl;
    return 0;
  }
  if (!args.count("host") || !args.count("port")) {
    std::cerr << "uvreactor-client: HOST and PORT are required\n\n" << options.help() << std::endl;
    return 2;
  }
  auto to = Endpoint::fromHostPort(args["host"].as<std::string>(), args["port"].as<std::string>());
  if (!to) {
    std::cerr << "uvreactor-client: " << to.error().message() << std::endl;
    return 2;
  }
  double wait = args["wait"].as<double>();
  if (!(wait >= 0 && wait <= 86400)) {
    std::cerr << "uvreactor-client: --wait must be between 0 and 86400 seconds" << std::endl;
    return 2;
  }
  ConnectorOptions connector;
  bool tls = args["tls"].as<bool>();
  bool insecure = args["tls-insecure"].as<bool>();
  if (!tls && (args.count("tls-ca") || args.count("tls-server-name") || insecure)) {
    std::cerr << "uvreactor-client: --tls-ca, --tls-server-name and --tls-insecure need --tls"
              << std::endl;
    return 2;
  }
  if (tls) {
    if (args["udp"].as<bool>()) {
      std::cerr << "uvreactor-client: --tls is for TCP, not --udp" << std::endl;
      return 2;
    }
    TlsClientOptions o;
    if (args.count("tls-ca")) o.caFile = args["tls-ca"].as<std::string>();
    o.verifyPeer = !insecure;
    if (insecure) {
      std::cerr << "uvreactor-client: warning: --tls-insecure: the server's certificate is not "
                   "verified"
                << std::endl;
    }
    auto ctx = TlsContext::client(o);
    if (!ctx) {
      std::cerr << "uvreactor-client: " << ctx.error().message() << std::endl;
      return 1;
    }
    connector.connection.tls = *ctx;
    connector.connection.tlsServerName = args.count("tls-server-name")
                                             ? args["tls-server-name"].as<std::string>()
                                             : args["host"].as<std::string>();
  }
  ::signal(SIGPIPE, SIG_IGN);
  Loop loop;
  InputCredit credit;
  std::unique_ptr<Session> session;
  auto waitMs = static_cast<uint64_t>(wait * 1000 + 0.5);
  bool udp = args["udp"].as<bool>();
  if (udp) {
    session = std::make_unique<UdpSession>(loop, *to, waitMs, credit);
  } else {
    session = std::make_unique<TcpSession>(loop, *to, waitMs, credit, connector);
  }
  // Work the reader posts runs only while the session lives: after run()
  // returns, a late post (stdin's EOF racing the server's close) is dropped.
  auto live = std::make_shared<std::atomic<bool>>(true);
  auto post = [&loop, &session, live](auto work) {
    loop.post([&session, live, work = std::move(work)]() mutable {
      if (*live) work(*session);
    });
  };
  // stdin may be a terminal, a pipe or a file; a blocking reader thread
  // handles all three. UDP sends a datagram per line; TCP sends the bytes
  // as they come, in pieces of at most 64 KiB (a huge line is no problem).
  std::atomic<bool> inputDone{false};
  std::thread reader([&] {
    if (udp) {
      std::string line;
      while (std::getline(std::cin, line)) {
        line.push_back('\n');
        credit.acquire(line.size());
        post([l = line](Session& s) mutable { s.send(std::move(l)); });
      }
    } else {
      std::string chunk(64 * 1024, '\0');
      for (;;) {
        ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        credit.acquire(static_cast<std::size_t>(n));
        post([bytes = chunk.substr(0, static_cast<std::size_t>(n))](Session& s) mutable {
          s.send(std::move(bytes));
        });
      }
    }
    post([](Session& s) { s.endOfInput(); });
    inputDone = true;
  });
  loop.run();
  *live = false;
  credit.close();
  int code = session->exitCode;
  if (!inputDone) {
    // The server ended the session while stdin is still open; the reader is
    // blocked in read() and must not post into a destroyed loop.
    std::fflush(stdout);
    ::_exit(code);
  }
  reader.join();
  session.reset();
  return code;
}
