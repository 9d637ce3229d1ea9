// BackplaneTls: uvreactor-server's flags for the backplane's Redis over TLS
// (--backplane rediss://HOST:PORT[/PREFIX]): the CA file Redis's certificate
// must chain to, the name it must carry, and a client certificate and key
// for a Redis that asks for one (tls-auth-clients).
//
// Only file names pass through the command line, so a worker started by the
// supervisor gets them in the argv it copies and loads the files itself; a
// key's contents never do. The files are loaded when the server starts (a
// bad one is an error naming it, exit 1), as --tls-cert's are. Used by
// ServerConfig and Server; single-threaded (start-up).
#pragma once

#include <cxxopts.hpp>

#include "ServerConfig.hpp"
#include "redis/RedisLink.hpp"
#include "uvreactor/Error.hpp"

namespace uvreactor::demo {

// Registers --backplane-tls-ca, --backplane-tls-cert, --backplane-tls-key
// and --backplane-tls-name.
void addBackplaneTlsOptions(cxxopts::Options& options);

// Fills c's backplaneTls* fields; throws UsageError when one is given
// without --backplane rediss://, or a certificate without its key.
void readBackplaneTls(const cxxopts::ParseResult& args, ServerConfig& c);

// With rediss://, a client TLS context from c's files, put in `redis`; an
// Error naming the file that does not load.
Error applyBackplaneTls(const ServerConfig& c, protocols::redis::RedisOptions& redis);

}  // namespace uvreactor::demo
