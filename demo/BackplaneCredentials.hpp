// BackplaneCredentials: the user and password uvreactor-server gives Redis
// (AUTH), from where a secret may come: a file only its owner can read
// (--backplane-password-file, read by SecretFile), or the environment (UVR_BACKPLANE_PASSWORD);
// never the command line, which every local user can read in /proc.
//
// The supervisor hands the password to its workers in their environment,
// under the same name, so it is read once and appears in no argv. Used by
// ServerConfig only; single-threaded (start-up).
#pragma once

#include <cxxopts.hpp>
#include <string>

#include "ServerConfig.hpp"

namespace uvreactor::demo {

constexpr const char* kBackplanePasswordVariable = "UVR_BACKPLANE_PASSWORD";

// Fills c.backplaneUser (--backplane-user, or the URL's USER@) and
// c.backplanePassword; throws UsageError naming what is wrong, never the
// password.
void readBackplaneCredentials(const cxxopts::ParseResult& args, ServerConfig& c);

}  // namespace uvreactor::demo
