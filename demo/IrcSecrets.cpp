#include "IrcSecrets.hpp"

#include <cstdlib>

#include "SecretFile.hpp"

namespace uvreactor::demo {
namespace {

// Takes (and removes) a variable: nothing this process starts inherits it.
std::optional<std::string> takeVariable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::string text = value;
  ::unsetenv(name);
  return text;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void addOperator(const std::string& line, const std::string& from, ServerConfig& c) {
  std::size_t colon = line.find(':');
  std::string name = line.substr(0, colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || name.empty() || colon + 1 == line.size() ||
      name.find_first_of(" \t\r\n\0", 0, 5) != std::string::npos)
    throw UsageError{from + ": each operator must be NAME:PASSWORD (NAME one word)"};
  for (const auto& o : c.irc.operators) {
    if (o.name == name) throw UsageError{from + ": operator " + name + " is given twice"};
  }
  c.irc.operators.push_back({name, line.substr(colon + 1)});
}

// One source at most for each secret: two would leave one silently unused.
void readPassword(const cxxopts::ParseResult& args, ServerConfig& c) {
  bool inArgv = args.count("irc-password") != 0, inFile = args.count("irc-password-file") != 0;
  if (inArgv && inFile) throw UsageError{"give --irc-password or --irc-password-file, not both"};
  std::optional<std::string> variable = takeVariable(kIrcPasswordVariable);
  if (c.workerIndex != 0) {
    // The supervisor read it once and put it here for its workers.
    c.irc.password = variable.value_or("");
  } else if (inFile) {
    c.irc.password =
        readSecretFile("--irc-password-file", args["irc-password-file"].as<std::string>());
  } else if (inArgv) {
    c.irc.password = args["irc-password"].as<std::string>();
    if (c.irc.password.empty()) throw UsageError{"--irc-password must not be empty"};
  } else if (variable) {
    c.irc.password = *variable;
  }
  if (variable) wipe(*variable);
}

void readOperators(const cxxopts::ParseResult& args, ServerConfig& c) {
  bool inArgv = args.count("irc-oper") != 0, inFile = args.count("irc-oper-file") != 0;
  if (inArgv && inFile) throw UsageError{"give --irc-oper or --irc-oper-file, not both"};
  std::optional<std::string> variable = takeVariable(kIrcOperVariable);
  std::vector<std::string> lines;
  std::string from;
  if (c.workerIndex != 0) {
    if (variable) lines = splitLines(*variable);
    from = kIrcOperVariable;
  } else if (inFile) {
    from = "--irc-oper-file " + args["irc-oper-file"].as<std::string>();
    lines = readSecretLines("--irc-oper-file", args["irc-oper-file"].as<std::string>());
    if (lines.empty()) throw UsageError{from + " holds no NAME:PASSWORD line"};
  } else if (inArgv) {
    lines = args["irc-oper"].as<std::vector<std::string>>();
    from = "--irc-oper";
  } else if (variable) {
    lines = splitLines(*variable);
    from = kIrcOperVariable;
  }
  if (variable) wipe(*variable);
  for (std::string& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    addOperator(line, from, c);
    wipe(line);
  }
}

}  // namespace

void readIrcSecrets(const cxxopts::ParseResult& args, ServerConfig& c) {
  readPassword(args, c);
  readOperators(args, c);
}

std::string operatorLines(const ServerConfig& c) {
  std::string lines;
  for (const auto& o : c.irc.operators) lines.append(o.name).append(":").append(o.password) += '\n';
  return lines;
}

}  // namespace uvreactor::demo
