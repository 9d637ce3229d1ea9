// IrcSecrets: the IRC server password (PASS) and the operators' NAME:PASSWORD
// pairs (OPER), from where uvreactor-server may take them:
//   --irc-password-file FILE / --irc-oper-file FILE (SecretFile's rules:
//     a file only its owner can read; one NAME:PASSWORD per line),
//   $UVR_IRC_PASSWORD / $UVR_IRC_OPER (NAME:PASSWORD lines),
//   --irc-password / --irc-oper, which every local user can read in ps and
//     /proc/PID/cmdline (kept for tests and trusted machines; --help says so).
// A worker takes them from the environment the supervisor gave it (never
// from its argv, which the supervisor cleans: WorkerCommand) and removes
// them from its own environment. Used by ServerConfig; start-up only.
#pragma once

#include <cxxopts.hpp>

#include "ServerConfig.hpp"

namespace uvreactor::demo {

constexpr const char* kIrcPasswordVariable = "UVR_IRC_PASSWORD";
constexpr const char* kIrcOperVariable = "UVR_IRC_OPER";

// Fills c.irc.password and c.irc.operators; throws UsageError naming the
// flag or variable that is wrong, never a password.
void readIrcSecrets(const cxxopts::ParseResult& args, ServerConfig& c);

// c.irc.operators as the lines of kIrcOperVariable.
std::string operatorLines(const ServerConfig& c);

}  // namespace uvreactor::demo
