// TlsPeers: TLS clients nobody here wrote, for integration tests: Python's
// ssl module (through one small script with modes) and `openssl s_client`.
// Both run as child processes to completion, bounded in time.
#pragma once

#include <string>
#include <vector>

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

// openssl s_client -quiet with `input` on stdin, verifying against caFile.
ProcessResult runSClient(const Endpoint& at, const std::string& version, const std::string& caFile,
                         const std::string& input);

}  // namespace uvreactor::test
