#include "support/RedisServer.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <utility>

#include "support/ServerProcess.hpp"
#include "support/SocketClient.hpp"
#include "support/TestCertificates.hpp"

namespace uvreactor::test {
namespace {

// True once the server answers PING (in plaintext).
bool answersPlain(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    timeval timeout{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char reply[16];
    ok = ::write(fd, "PING\r\n", 6) == 6 && ::read(fd, reply, sizeof reply) >= 5;
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  if (::access("/usr/bin/redis-server", X_OK) != 0) {
    why_ = "redis-server is not installed (scripts/setup.sh installs it)";
    return;
  }
  port_ = unusedLoopbackPort().port();
  if (!start()) why_ = "redis-server did not start on port " + std::to_string(port_);
}

RedisServer::~RedisServer() {
  kill();
}

bool RedisServer::start() {
  std::string config = (options_.ipv6 ? "bind 127.0.0.1 ::1\n" : "bind 127.0.0.1\n") +
                       std::string("save \"\"\nappendonly no\ndaemonize no\nloglevel warning\n");
  if (options_.tls) {
    const TestCertificates& certs = TestCertificates::shared();
    config.append("port 0\ntls-port " + std::to_string(port_) + "\n")
        .append("tls-cert-file " + certs.serverCert + "\ntls-key-file " + certs.serverKey + "\n")
        .append("tls-ca-cert-file " + certs.caCert + "\n")
        .append(options_.tlsAuthClients ? "tls-auth-clients yes\n" : "tls-auth-clients no\n");
  } else {
    config.append("port " + std::to_string(port_) + "\n");
  }
  if (!options_.password.empty()) config += "requirepass " + options_.password + "\n";
  for (const std::string& user : options_.users) config += "user " + user + "\n";
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return false;
  // Far below a pipe's capacity: written whole before redis-server reads.
  bool written = ::write(in[1], config.data(), config.size()) == ssize_t(config.size());
  ::close(in[1]);
  if (!written) {
    ::close(in[0]);
    return false;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(in[0], STDIN_FILENO);
    ::execl("/usr/bin/redis-server", "redis-server", "-", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  for (int i = 0; i < 100; ++i) {
    if (answers()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill();
  return false;
}

Endpoint RedisServer::endpoint() const {
  return *Endpoint::parse("127.0.0.1:" + std::to_string(port_));
}

Endpoint RedisServer::endpoint6() const {
  return *Endpoint::parse("[::1]:" + std::to_string(port_));
}

bool RedisServer::answers() const {
  if (!options_.tls) return answersPlain(port_);
  return cli({"PING"}) == "PONG";
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"/usr/bin/redis-cli", "-p", std::to_string(port_)};
  if (options_.tls) {
    const TestCertificates& certs = TestCertificates::shared();
    argv.insert(argv.end(), {"--tls", "--cacert", certs.caCert, "--cert", certs.clientCert, "--key",
                             certs.clientKey});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  // redis-cli takes the password from its environment, and runProgram
  // passes this process's on.
  if (!options_.password.empty()) ::setenv("REDISCLI_AUTH", options_.password.c_str(), 1);
  std::string out = runProgram(argv, "", std::chrono::seconds(5)).out;
  ::unsetenv("REDISCLI_AUTH");
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool RedisServer::restart() {
  kill();
  return start();
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace uvreactor::test
