// ClientConfig: uvreactor-client's command line: where to connect, over
// what (TCP, TLS or UDP), and how long to wait for the server after the
// end of input.
//
// parseClientArgs validates every flag and sets TLS up (the context is
// made here, so a bad CA file fails before any connection). Pure but for
// what it prints on stdout (--help) and stderr (errors, the
// --tls-insecure warning).
#pragma once

#include <cstdint>
#include <optional>

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/TcpConnector.hpp"

namespace uvreactor::demo {

struct ClientConfig {
  Endpoint to;
  bool udp = false;
  // Quiet after the end of input before exiting.
  uint64_t waitMs = 2000;
  // TCP: TLS, when asked for, with its server name.
  ConnectorOptions connector;
};

// The configuration, or nullopt with `exitCode` set (0 after --help, 2 for
// a bad command line, 1 when TLS cannot be set up) and the reason printed.
std::optional<ClientConfig> parseClientArgs(int argc, char** argv, int& exitCode);

}  // namespace uvreactor::demo
