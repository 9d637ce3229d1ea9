// The server's flags: their names, help texts and defaults, in groups by
// concern. Parsing and validation are parseArgs's (ServerConfig.hpp); the
// supervisor's internal flags are in kInternalGroup, left out of --help.
#pragma once

#include <cxxopts.hpp>

namespace uvreactor::demo {

inline constexpr const char* kInternalGroup = "internal";

// Declares every flag uvreactor-server takes (the backplane's TLS flags too).
void addServerOptions(cxxopts::Options& options);

}  // namespace uvreactor::demo
