// A UDP echo server that stops after its tenth datagram and prints what it
// counted: UdpSocket hands each datagram to a handler with its sender.
#include <uvreactor/UdpSocket.hpp>

#include <iostream>

using namespace uvreactor;

class Echo final : public DatagramHandler {
 public:
  explicit Echo(Loop& loop) : loop_(loop) {}
  void onDatagram(UdpSocket& socket, const Endpoint& from, std::string_view bytes) override {
    if (Error e = socket.send(from, bytes)) std::cerr << e.message() << "\n";
    if (socket.stats().received == 10) loop_.stop();
  }

 private:
  Loop& loop_;
};

int main() {
  Loop loop;
  Echo echo(loop);
  auto socket = UdpSocket::bind(loop, *Endpoint::parse("127.0.0.1:0"), echo);
  if (!socket) {
    std::cerr << socket.error().message() << "\n";
    return 1;
  }
  std::cout << "listening " << (*socket)->localEndpoint().toString() << std::endl;
  loop.run();
  std::cout << "received " << (*socket)->stats().received << " sent " << (*socket)->stats().sent
            << std::endl;
}
