#include "BackplaneCredentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace uvreactor::demo {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

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

std::string readSecretFile(const std::string& path) {
  std::string name = "--backplane-password-file " + path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw UsageError{name + ": " + std::strerror(errno)};
  struct stat st {};
  std::string secret;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::strerror(errno);
  } else if (S_ISDIR(st.st_mode)) {
    problem = "is a directory";
  } else if ((st.st_mode & 077) != 0) {
    problem = "can be read or written by others than its owner (mode " + octal(st.st_mode) +
              "); make it private: chmod 600 " + path;
  } else if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    problem = "belongs to uid " + std::to_string(st.st_uid) + ", not to this user";
  } else {
    char buffer[kMaxSecretBytes + 1];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && secret.size() <= kMaxSecretBytes)
      secret.append(buffer, static_cast<std::size_t>(n));
    if (n < 0) problem = std::strerror(errno);
  }
  ::close(fd);
  if (problem.empty()) {
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    if (secret.size() > kMaxSecretBytes) {
      problem = "is longer than " + std::to_string(kMaxSecretBytes) + " bytes";
    } else if (secret.empty()) {
      problem = "is empty";
    } else if (secret.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
      problem = "holds more than one line";
    }
  }
  if (!problem.empty()) {
    secret.assign(secret.size(), '\0');
    throw UsageError{name + " " + problem};
  }
  return secret;
}

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
    c.backplanePassword = readSecretFile(args["backplane-password-file"].as<std::string>());
  } else if (variable != nullptr) {
    c.backplanePassword = variable;
  }
  if (!c.backplaneUser.empty() && c.backplanePassword.empty())
    throw UsageError{"the backplane user " + c.backplaneUser +
                     " needs a password: --backplane-password-file FILE or " +
                     kBackplanePasswordVariable + " in the environment"};
}

}  // namespace uvreactor::demo
