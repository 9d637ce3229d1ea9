#include "WorkerCommand.hpp"

#include <unistd.h>

#include <string_view>
#include <utility>

#include "BackplaneCredentials.hpp"
#include "IrcSecrets.hpp"

namespace uvreactor::demo {
namespace {

// Flags whose value is a secret: the worker takes it from its environment.
constexpr std::string_view kSecretFlags[] = {"--irc-password", "--irc-oper"};

// 0: not a secret flag; 1: "--flag=value"; 2: "--flag" "value".
int secretArgumentCount(std::string_view arg) {
  for (std::string_view flag : kSecretFlags) {
    if (arg == flag) return 2;
    if (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag && arg[flag.size()] == '=')
      return 1;
  }
  return 0;
}

const char* resolvedFlag(ListenKind kind) {
  switch (kind) {
    case ListenKind::Plain:
      return "--resolved";
    case ListenKind::Tls:
      return "--resolved-tls";
    case ListenKind::Irc:
      return "--resolved-irc";
    case ListenKind::IrcTls:
      return "--resolved-irc-tls";
  }
  return "--resolved";
}

}  // namespace

std::vector<std::string> workerArguments(const std::vector<std::string>& argv, unsigned index,
                                         long supervisorPid,
                                         const std::vector<Reservation>& addresses) {
  std::vector<std::string> args;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    int skip = i == 0 ? 0 : secretArgumentCount(argv[i]);
    if (skip == 0) args.push_back(argv[i]);
    if (skip == 2) ++i;
  }
  args.push_back("--worker");
  args.push_back(std::to_string(index) + ":" + std::to_string(supervisorPid));
  for (const Reservation& r : addresses) {
    args.push_back(resolvedFlag(r.kind));
    args.push_back(r.at.toString());
  }
  return args;
}

std::vector<std::string> workerEnvironment(const ServerConfig& config) {
  const std::pair<const char*, std::string> secrets[] = {
      {kBackplanePasswordVariable, config.backplanePassword},
      {kIrcPasswordVariable, config.irc.password},
      {kIrcOperVariable, operatorLines(config)},
  };
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    bool secret = false;
    for (const auto& [name, value] : secrets) {
      std::string_view n(name);
      secret |= entry.size() > n.size() && entry.substr(0, n.size()) == n && entry[n.size()] == '=';
    }
    if (!secret) env.emplace_back(entry);
  }
  for (const auto& [name, value] : secrets) {
    if (!value.empty()) env.push_back(std::string(name).append("=").append(value));
  }
  return env;
}

}  // namespace uvreactor::demo
