// A line server: every line a client sends comes back in upper case.
// Ctrl-C or SIGTERM closes each client gracefully, then exits.
#include <uvreactor/LineCodec.hpp>
#include <uvreactor/SignalWatch.hpp>
#include <uvreactor/TcpListener.hpp>

#include <cctype>
#include <csignal>
#include <iostream>

using namespace uvreactor;

class UppercaseHandler final : public ConnectionHandler {
 public:
  void onData(Connection& c, std::string_view bytes) override {
    Error tooLong = lines_.feed(bytes, [&](std::string_view line) {
      std::string reply(line);
      for (char& ch : reply) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      reply += '\n';
      c.send(reply);
    });
    if (tooLong) c.close();
  }

 private:
  LineCodec lines_{1024};
};

int main(int argc, char** argv) {
  Loop loop;
  auto listener =
      TcpListener::listen(loop, *Endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:0"),
                          [](Connection&) { return std::make_unique<UppercaseHandler>(); });
  if (!listener) {
    std::cerr << listener.error().message() << "\n";
    return 1;
  }
  std::cout << "listening " << (*listener)->localEndpoint().toString() << std::endl;
  SignalWatch signals(loop, {SIGINT, SIGTERM}, [&](int) { (*listener)->shutdown({}); });
  loop.run();
}
