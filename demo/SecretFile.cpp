#include "SecretFile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "ServerConfig.hpp"

namespace uvreactor::demo {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;
constexpr std::size_t kMaxSecretFileBytes = 65536;

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777);
  return text;
}

// Why the open file `fd` may not hold a secret; empty if it may.
std::string unsafeBecause(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if ((st.st_mode & 077) != 0) {
    return "can be read or written by others than its owner (mode " + octal(st.st_mode) +
           "); make it private: chmod 600 " + path;
  }
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    return "belongs to uid " + std::to_string(st.st_uid) + ", not to this user";
  return {};
}

// The whole file, if it is private and at most `limit` bytes.
std::string readPrivateFile(const std::string& name, const std::string& path, std::size_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw UsageError{name + ": " + std::strerror(errno)};
  std::string content;
  std::string problem = unsafeBecause(fd, path);
  if (problem.empty()) {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && content.size() <= limit)
      content.append(buffer, static_cast<std::size_t>(n));
    std::memset(buffer, 0, sizeof buffer);
    if (n < 0) problem = std::strerror(errno);
    if (content.size() > limit) problem = "is longer than " + std::to_string(limit) + " bytes";
  }
  ::close(fd);
  if (!problem.empty()) {
    wipe(content);
    throw UsageError{name + " " + problem};
  }
  return content;
}

}  // namespace

void wipe(std::string& secret) {
  volatile char* bytes = secret.data();
  for (std::size_t i = 0; i < secret.size(); ++i) bytes[i] = '\0';
  secret.clear();
}

std::string readSecretFile(const std::string& flag, const std::string& path) {
  std::string name = flag + " " + path;
  std::string secret = readPrivateFile(name, path, kMaxSecretBytes + 2);
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  std::string problem;
  if (secret.size() > kMaxSecretBytes) {
    problem = "is longer than " + std::to_string(kMaxSecretBytes) + " bytes";
  } else if (secret.empty()) {
    problem = "is empty";
  } else if (secret.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
    problem = "holds more than one line";
  }
  if (!problem.empty()) {
    wipe(secret);
    throw UsageError{name + " " + problem};
  }
  return secret;
}

std::vector<std::string> readSecretLines(const std::string& flag, const std::string& path) {
  std::string content = readPrivateFile(flag + " " + path, path, kMaxSecretFileBytes);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string line = content.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  wipe(content);
  return lines;
}

}  // namespace uvreactor::demo
