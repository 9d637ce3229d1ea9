// WorkerCommand: the command line and environment the supervisor starts a
// worker with: its own argv, less the secrets, plus the hidden --worker
// K:PID and one --resolved* per address as the supervisor bound it.
//
// Secrets reach a worker in its environment, never its argv: the command
// line of every process is readable by every local user (ps,
// /proc/PID/cmdline), while /proc/PID/environ is readable only by the
// process's own user and root, who can read its memory anyway. The worker
// reads the variables once and removes them (BackplaneCredentials,
// IrcSecrets), so nothing it starts inherits them. An inherited pipe would
// also keep them out of /proc/PID/environ, at the cost of a second channel
// per worker; the environment is the one path the backplane password
// already took, now shared by every secret.
#pragma once

#include <string>
#include <vector>

#include "PortReservation.hpp"
#include "ServerConfig.hpp"

namespace uvreactor::demo {

// `argv` without --irc-password and --irc-oper (their values are in the
// environment), then --worker INDEX:SUPERVISOR and the addresses.
std::vector<std::string> workerArguments(const std::vector<std::string>& argv, unsigned index,
                                         long supervisorPid,
                                         const std::vector<Reservation>& addresses);

// This process's environment less every secret variable, plus the secrets
// the supervisor resolved (from its files, flags or environment).
std::vector<std::string> workerEnvironment(const ServerConfig& config);

}  // namespace uvreactor::demo
