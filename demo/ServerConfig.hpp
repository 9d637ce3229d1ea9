// ServerConfig: uvreactor-server's command line, parsed and range-checked.
//
// Every value is checked here, so a wrong flag or value is a usage error
// (exit 2) naming it, before anything is bound.
#pragma once

#include <cstdint>
#include <cxxopts.hpp>
#include <optional>
#include <string>
#include <vector>

#include "irc/IrcFrontEnd.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/TcpListener.hpp"

namespace uvreactor::demo {

struct ServerConfig {
  std::string protocol = "echo";
  // Processes serving the listen addresses with SO_REUSEPORT; 1: this
  // process alone, exactly as without the flag.
  unsigned workers = 1;
  // Set in a worker started by the supervisor (hidden flag --worker K):
  // its number, from 1, and the supervisor's pid it must not outlive.
  unsigned workerIndex = 0;
  long supervisorPid = 0;
  // The supervisor kills (and replaces) a worker not ready by then.
  uint64_t workerReadyTimeoutMs = 10000;
  std::vector<Endpoint> listen;
  bool udp = true;
  std::size_t maxLine = 4096;
  uint64_t shutdownTimeoutMs = 5000;
  LogLevel logLevel = LogLevel::Warn;
  ListenerOptions listener;
  // Chat rooms shared through this Redis (--backplane), under this prefix.
  std::optional<Endpoint> backplane;
  // IRC listeners beside chat's (--irc-listen), and the IRC settings.
  std::vector<Endpoint> ircListen;
  protocols::irc::IrcOptions irc;
  // Chat and IRC: rooms per member and rooms on the server.
  protocols::chat::RoomLimits rooms;
  std::string backplanePrefix;
  // AUTH for the backplane (BackplaneCredentials); the password never comes
  // from the command line.
  std::string backplaneUser;
  std::string backplanePassword;
  // The backplane over TLS (rediss://; BackplaneTls): files, loaded at start.
  bool backplaneTls = false;
  std::string backplaneTlsCa, backplaneTlsCert, backplaneTlsKey, backplaneTlsName;
  // TLS listeners (--tls-listen), serving the same protocol with these files,
  // and IRC over TLS beside line chat (--irc-tls-listen).
  std::vector<Endpoint> tlsListen;
  std::vector<Endpoint> ircTlsListen;
  std::string tlsCert, tlsKey, tlsCa;
  bool tlsVerifyClient = false;
  uint64_t tlsHandshakeTimeoutMs = 10000;
};

struct UsageError {
  std::string message;
};

// Parses argv into a config; throws UsageError. With --help the config's
// listen list is empty.
ServerConfig parseArgs(int argc, char** argv, cxxopts::Options& options);

// --help's text: every flag but the supervisor's internal ones (--worker,
// --resolved*), which only it passes to its workers.
std::string visibleHelp(const cxxopts::Options& options);

// Whether the config serves anything (else main prints the help).
bool servesAnything(const ServerConfig& c);

}  // namespace uvreactor::demo
