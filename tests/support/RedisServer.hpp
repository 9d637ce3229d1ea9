// RedisServer: a real redis-server for a test, on a free loopback port, with
// no persistence (save "", appendonly no), stopped by the test. Optionally
// with a password for the default user (requirepass) and ACL users; its
// configuration goes in on stdin, so no password is on its command line.
//
// With `tls` it listens on TLS only (port 0, tls-port), with the test
// certificates (TestCertificates): the server certificate for localhost,
// 127.0.0.1 and ::1, and their CA to verify clients against, which it
// demands certificates of with `tlsAuthClients` (redis-cli presents the
// test client certificate).
//
// available() is false, with a reason, where redis-server is not installed
// (scripts/setup.sh installs it); tests then skip.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "uvreactor/Endpoint.hpp"

namespace uvreactor::test {

struct RedisServerOptions {
  std::string password;            // requirepass: the default user's password
  std::vector<std::string> users;  // ACL rules: "alice on >pw ~* &* +@all"
  bool tls = false;
  bool tlsAuthClients = false;
  bool ipv6 = false;  // also bound to ::1 (endpoint6())
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool available() const { return pid_ > 0; }
  const std::string& why() const { return why_; }
  Endpoint endpoint() const;
  Endpoint endpoint6() const;  // [::1]:PORT, with `ipv6`

  pid_t pid() const { return pid_; }
  // Runs redis-cli against this server (as the default user, with the
  // password through REDISCLI_AUTH); its output, trimmed.
  std::string cli(const std::vector<std::string>& args) const;
  int port() const { return port_; }

  void kill();     // SIGKILL, then reaped
  bool restart();  // on the same port, with no data
  void pause();    // SIGSTOP: a stalled Redis
  void resume();   // SIGCONT

 private:
  bool start();
  bool answers() const;
  RedisServerOptions options_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string why_;
};

}  // namespace uvreactor::test
