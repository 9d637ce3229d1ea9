// uvreactor-client as a user runs it, against the real server and against
// peers that misbehave: a listener that never completes the handshake, huge
// input, the server closing while stdin ends, closed standard descriptors.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"

using namespace uvreactor;
using namespace uvreactor::test;

namespace {

// A listening socket whose accept queue is full: further SYNs are dropped,
// so a connect never completes.
class BlackholeListener {
 public:
  BlackholeListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof at;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&at), length) != 0 || ::listen(fd_, 0) != 0) return;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&at), &length);
    port_ = ntohs(at.sin_port);
    // Non-blocking: a connect into a full queue would block for minutes.
    for (int i = 0; i < 3; ++i) {
      int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      (void)::connect(filler, reinterpret_cast<sockaddr*>(&at), length);  // never accepted
      fillers_.push_back(filler);
    }
  }
  ~BlackholeListener() {
    for (int filler : fillers_) ::close(filler);
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace

TEST(ClientProgram, NeverExitsZeroWhileItsInputWasNotDelivered) {
  // The quiet period used to start before the connection existed: exit 0
  // after --wait, with nothing sent.
  BlackholeListener blackhole;
  ASSERT_NE(blackhole.port(), 0);
  auto r =
      runProgram({UVR_CLIENT_BIN, "127.0.0.1", std::to_string(blackhole.port()), "--wait", "0.2"},
                 "hi\n", std::chrono::seconds(30));
  EXPECT_EQ(r.exitCode, 1) << "exit " << r.exitCode << ", stderr: " << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(blackhole.port())), std::string::npos)
      << r.err;
}

TEST(ClientProgram, AHugeLineIsSentWithBackpressure) {
  // 20 MB in one line used to be queued whole and trip the client's own
  // slow-consumer cap.
  ServerProcess server({"--listen", "127.0.0.1:0", "--no-udp"});
  ASSERT_TRUE(server.ready());
  std::string line(20 << 20, 'h');
  line.push_back('\n');
  auto r = runProgram({UVR_CLIENT_BIN, "127.0.0.1", std::to_string(server.tcp[0].port())}, line,
                      std::chrono::seconds(60));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out.size(), line.size());
  EXPECT_TRUE(r.out == line) << "the echo differs from the input";
}

TEST(ClientProgram, ServerClosingAsInputEndsNeverCrashes) {
  // /quit makes the chat server close while the client's stdin reaches EOF:
  // the order of the two varies from run to run.
  ServerProcess server({"--protocol", "chat", "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.ready());
  std::string port = std::to_string(server.tcp[0].port());
  for (int i = 0; i < 100; ++i) {
    auto r = runProgram({UVR_CLIENT_BIN, "127.0.0.1", port}, "/quit\n");
    ASSERT_EQ(r.exitCode, 0) << "run " << i << ": " << r.err;
    ASSERT_NE(r.out.find("* goodbye"), std::string::npos) << "run " << i << ": " << r.out;
  }
}

TEST(ClientProgram, ClosedStandardDescriptorsAreSurvivedByBothPrograms) {
  ServerProcess server({"--listen", "127.0.0.1:0", "--no-udp"});
  ASSERT_TRUE(server.ready());
  std::string port = std::to_string(server.tcp[0].port());
  // stdin closed: end of input at once; stdout and stderr closed too.
  auto client = runProgram(
      {"/bin/sh", "-c", std::string(UVR_CLIENT_BIN) + " 127.0.0.1 " + port + " <&- >&- 2>&-"});
  EXPECT_EQ(client.exitCode, 0) << client.err;
  // The server with stdin and stderr closed still starts, serves and stops.
  // SIGTERM goes once it said it is ready (up to 10 s: a sanitized build on
  // a loaded machine can take seconds to start), not after a fixed sleep.
  auto serverRun = runProgram(
      {"/bin/sh", "-c",
       std::string("out=$(mktemp); ")  // appended: GCC 12 -O3 misreads "..." + s (-Wrestrict)
           .append(UVR_SERVER_BIN)
           .append(" --listen 127.0.0.1:0 <&- 2>&- >\"$out\" & pid=$!; i=0; "
                   "while ! grep -q listening \"$out\" && [ $i -lt 200 ]; do sleep 0.05; "
                   "i=$((i+1)); done; kill -TERM $pid; wait $pid; rc=$?; cat \"$out\"; "
                   "rm -f \"$out\"; exit $rc")});
  EXPECT_EQ(serverRun.exitCode, 0) << serverRun.out << serverRun.err;
  EXPECT_NE(serverRun.out.find("listening tcp 127.0.0.1:"), std::string::npos) << serverRun.out;
}
