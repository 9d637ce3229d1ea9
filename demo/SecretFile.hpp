// SecretFile: reading a password (or NAME:PASSWORD lines) from a file that
// only its owner may read, as ssh requires of a private key; the one rule
// for every secret uvreactor-server takes (--backplane-password-file,
// --irc-password-file, --irc-oper-file).
//
// A secret never comes from argv in the file forms: the command line is
// readable by every local user in ps and /proc/PID/cmdline. Errors name the
// flag and the file, never the content. Start-up only, single-threaded.
#pragma once

#include <string>
#include <vector>

namespace uvreactor::demo {

// The password in `path`: one line (a trailing newline is ignored), at most
// 4096 bytes, from a file no one but its owner (this user or root) can read
// or write. Throws UsageError starting with "`flag` `path`" otherwise.
std::string readSecretFile(const std::string& flag, const std::string& path);

// The non-empty lines of `path` (at most 64 KiB, same ownership rules).
std::vector<std::string> readSecretLines(const std::string& flag, const std::string& path);

// Overwrites a string that held a secret before it is freed.
void wipe(std::string& secret);

}  // namespace uvreactor::demo
