#include "BackplaneCredentials.hpp"

#include <cstdlib>

#include "SecretFile.hpp"

namespace uvreactor::demo {
namespace {

// Redis ACL user names are free-form; ours are one printable word, so a
// name cannot smuggle another argument or a line into a log.
bool isValidUser(const std::string& user) {
  if (user.empty() || user.size() > 128) return false;
  for (char c : user) {
    if (c <= ' ' || c == 0x7f || c == '@' || c == ':') return false;
  }
  return true;
}

}  // namespace

void readBackplaneCredentials(const cxxopts::ParseResult& args, ServerConfig& c) {
  bool fromFile = args.count("backplane-password-file") != 0;
  if (!c.backplane) {
    if (fromFile || args.count("backplane-user"))
      throw UsageError{"--backplane-user and --backplane-password-file need --backplane"};
    return;
  }
  if (args.count("backplane-user")) {
    std::string user = args["backplane-user"].as<std::string>();
    if (!c.backplaneUser.empty() && c.backplaneUser != user)
      throw UsageError{"--backplane-user " + user + " and the user in the --backplane URL differ"};
    c.backplaneUser = user;
  }
  if (!c.backplaneUser.empty() && !isValidUser(c.backplaneUser))
    throw UsageError{"the backplane user must be one word of 1-128 printable characters"};
  const char* variable = std::getenv(kBackplanePasswordVariable);
  if (c.workerIndex != 0) {
    // The supervisor read it once and put it here for its workers.
    if (variable != nullptr) c.backplanePassword = variable;
    ::unsetenv(kBackplanePasswordVariable);  // nothing this worker starts inherits it
  } else if (fromFile) {
    c.backplanePassword = readSecretFile("--backplane-password-file",
                                         args["backplane-password-file"].as<std::string>());
  } else if (variable != nullptr) {
    c.backplanePassword = variable;
  }
  if (!c.backplaneUser.empty() && c.backplanePassword.empty())
    throw UsageError{"the backplane user " + c.backplaneUser +
                     " needs a password: --backplane-password-file FILE or " +
                     kBackplanePasswordVariable + " in the environment"};
}

}  // namespace uvreactor::demo
