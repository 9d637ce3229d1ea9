// uvreactor-client: the tutorial's line client, written like a server: a
// TcpConnector hands the connection to a handler, and a stdin reader thread
// posts lines into the loop (Loop::post is the one thread-safe entry).
//
// End of input: over TCP the client half-closes and exits when the server
// closes its side (echo and chat both do), or after --wait seconds of quiet.
// Over UDP it exits --wait seconds after the last reply.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cxxopts.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/UdpSocket.hpp"

using namespace uvreactor;

namespace {

void writeOut(std::string_view bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  std::fflush(stdout);
}

// Shared by the TCP and UDP paths: lines to send, end of input, and the quiet
// timer that ends the session when the server goes silent.
class Session {
 public:
  Session(Loop& loop, uint64_t waitMs) : quiet_(loop), waitMs_(waitMs) {}
  virtual ~Session() = default;
  virtual void sendLine(const std::string& line) = 0;
  virtual void endOfInput() = 0;
  virtual void stop() = 0;

  void activity() {
    if (inputDone_) quiet_.start(waitMs_, 0, [this] { stop(); });
  }
  void inputFinished() {
    inputDone_ = true;
    activity();
  }
  int exitCode = 0;

 protected:
  void cancelQuiet() { quiet_.stop(); }

 private:
  Timer quiet_;
  uint64_t waitMs_;
  bool inputDone_ = false;
};

class TcpSession final : public Session {
 public:
  TcpSession(Loop& loop, const Endpoint& to, uint64_t waitMs) : Session(loop, waitMs) {
    ConnectorOptions options;
    connector_.emplace(
        loop, to,
        [this](Connection& c) {
          connection_ = &c;
          return std::make_unique<Handler>(*this);
        },
        options,
        [this](const Error& e) {
          std::cerr << "uvreactor-client: " << e.message() << std::endl;
          exitCode = 1;
          stop();
        });
    connector_->start();
  }

  void sendLine(const std::string& line) override {
    if (connection_ == nullptr) {
      backlog_ += line;  // not connected yet: keep order
      return;
    }
    connection_->send(line);
  }
  void endOfInput() override {
    inputFinished();
    if (connection_ != nullptr)
      connection_->shutdownWrite();
    else
      eofPending_ = true;
  }
  void stop() override {
    cancelQuiet();
    connector_.reset();
  }

 private:
  struct Handler final : ConnectionHandler {
    explicit Handler(TcpSession& s) : session(s) {}
    void onOpen(Connection& c) override {
      if (!session.backlog_.empty()) c.send(session.backlog_);
      session.backlog_.clear();
      if (session.eofPending_) c.shutdownWrite();
    }
    void onData(Connection&, std::string_view bytes) override {
      writeOut(bytes);
      session.activity();
    }
    void onEof(Connection& c) override { c.close(); }
    void onClose(Connection&, const Error& reason) override {
      session.connection_ = nullptr;
      session.cancelQuiet();
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
  bool eofPending_ = false;
};

class UdpSession final : public Session, public DatagramHandler {
 public:
  UdpSession(Loop& loop, const Endpoint& to, uint64_t waitMs) : Session(loop, waitMs), to_(to) {
    auto any = Endpoint::parse(to.isV6() ? "[::]:0" : "0.0.0.0:0");
    auto socket = UdpSocket::bind(loop, *any, *this);
    if (!socket) {
      std::cerr << "uvreactor-client: " << socket.error().message() << std::endl;
      exitCode = 1;
      return;
    }
    socket_ = std::move(*socket);
  }
  void sendLine(const std::string& line) override {
    if (!socket_) return;
    if (Error e = socket_->send(to_, line))
      std::cerr << "uvreactor-client: " << e.message() << "\n";
  }
  void endOfInput() override { inputFinished(); }
  void stop() override {
    cancelQuiet();
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
  cxxopts::Options options(
      "uvreactor-client",
      "Sends each line of stdin to HOST PORT and prints what comes back.\n"
      "At end of input: TCP half-closes and exits once the server closes its side (or after\n"
      "--wait seconds with no reply); UDP exits --wait seconds after the last reply.");
  // clang-format off
  options.add_options()
    ("host", "server address", cxxopts::value<std::string>())
    ("port", "server port", cxxopts::value<std::string>())
    ("u,udp", "use UDP datagrams, one per line")
    ("w,wait", "seconds of quiet after end of input before exiting",
      cxxopts::value<double>()->default_value("2"))
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
  if (wait < 0) {
    std::cerr << "uvreactor-client: --wait must not be negative" << std::endl;
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  Loop loop;
  std::unique_ptr<Session> session;
  auto waitMs = static_cast<uint64_t>(wait * 1000);
  if (args.count("udp")) {
    session = std::make_unique<UdpSession>(loop, *to, waitMs);
  } else {
    session = std::make_unique<TcpSession>(loop, *to, waitMs);
  }
  // stdin may be a terminal, a pipe or a file; a blocking reader thread
  // handles all three, and hands each line to the loop.
  std::atomic<bool> inputDone{false};
  std::thread reader([&] {
    std::string line;
    while (std::getline(std::cin, line)) {
      line.push_back('\n');
      loop.post([&session, l = line] { session->sendLine(l); });
    }
    loop.post([&session] { session->endOfInput(); });
    inputDone = true;
  });
  loop.run();
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
