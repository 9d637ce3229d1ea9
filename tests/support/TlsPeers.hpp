// TlsPeers: TLS clients nobody here wrote, for integration tests: Python's
// ssl module (through one small script with modes) and `openssl s_client`.
// Both run as child processes to completion, bounded in time.
#pragma once

#include <string>
#include <vector>

#include "support/ConsoleProcess.hpp"
#include "support/ServerProcess.hpp"
#include "uvreactor/Endpoint.hpp"

namespace uvreactor::test {

// python3 with the test script: `mode` is one of
//   echo      send msg=, check the echo, close_notify both ways (unwrap)
//   bulk      send bytes= of a pattern while reading it back, compare
//   truncate  send a line, read its echo, then a bare FIN (no close_notify)
//   noread    send "flood\n", then sleep sleep= seconds without reading
//   wait      read until the server ends: prints "close_notify" or "ragged eof"
//   resume    send msg=, then connect again offering the ticket the first
//             connection got: prints "reused" or "new"
// and options key=value: ca=FILE (else no verification), name= (SNI, default
// localhost), version=1.2|1.3, cert= key= (client certificate), alpn=a,b.
// The first line of output is "VERSION CIPHER ALPN".
ProcessResult runPythonTls(const Endpoint& at, const std::string& mode,
                           const std::vector<std::string>& options = {}, int timeoutSeconds = 30);

// The command line runPythonTls runs, for a client that must run beside the
// test (ChildProgram): its first output line says the handshake is done.
std::vector<std::string> pythonTlsCommand(const Endpoint& at, const std::string& mode,
                                          const std::vector<std::string>& options = {});

// openssl s_client -quiet with `input` on stdin, verifying against caFile.
ProcessResult runSClient(const Endpoint& at, const std::string& version, const std::string& caFile,
                         const std::string& input);

// An interactive `openssl s_client` (ChildProgram: type into it, read its
// out()), verifying against caFile, no command letters, quiet.
std::vector<std::string> sClientCommand(const Endpoint& at, const std::string& caFile);

// Waits until `program`'s output holds `text` `times` times; false on timeout.
bool waitForOutput(const ChildProgram& program, const std::string& text, std::size_t times = 1,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace uvreactor::test
