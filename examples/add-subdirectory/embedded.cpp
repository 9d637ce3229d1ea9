// An application that already runs its own libuv loop and adds an echo
// service to it: uvreactor's Loop embeds in the existing uv_loop_t, and the
// application keeps calling uv_run. It stops on SIGTERM/SIGINT.
#include <uv.h>
#include <uvreactor/SignalWatch.hpp>
#include <uvreactor/TcpListener.hpp>

#include <csignal>
#include <iostream>

using namespace uvreactor;

class Echo final : public ConnectionHandler {
 public:
  void onData(Connection& c, std::string_view bytes) override { c.send(bytes); }
};

int main() {
  uv_loop_t appLoop;
  uv_loop_init(&appLoop);
  {
    Loop loop(&appLoop);
    auto listener = TcpListener::listen(loop, *Endpoint::parse("[::1]:0"),
                                        [](Connection&) { return std::make_unique<Echo>(); });
    if (!listener) {
      std::cerr << listener.error().message() << "\n";
      return 1;
    }
    std::cout << "listening " << (*listener)->localEndpoint().toString() << std::endl;
    SignalWatch signals(loop, {SIGINT, SIGTERM}, [&](int) { (*listener)->shutdown({}); });
    uv_run(&appLoop, UV_RUN_DEFAULT);
  }
  uv_run(&appLoop, UV_RUN_DEFAULT);  // the close callbacks of what was destroyed
  return uv_loop_close(&appLoop) == 0 ? 0 : 1;
}
