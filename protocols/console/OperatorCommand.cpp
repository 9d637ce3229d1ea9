#include "console/OperatorCommand.hpp"

namespace uvreactor::protocols::console {

const char* const kOperatorHelp =
    "TEXT        reply to the client that spoke last\n"
    "@N TEXT     reply to client N\n"
    "@all TEXT   reply to every client\n"
    "/who        list the clients\n"
    "/kick N     close client N\n"
    "//TEXT, @@TEXT  reply with a leading / or @";

namespace {

constexpr uint64_t kMaxClientNumber = uint64_t{1} << 53;

// Client numbers: 1 to 2^53 in decimal, no sign or leading zero; 0 if not.
uint64_t parseClientNumber(std::string_view word) {
  if (word.empty() || word.size() > 16 || word[0] == '0') return 0;
  uint64_t n = 0;
  for (char c : word) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n <= kMaxClientNumber ? n : 0;
}

// Splits "WORD REST" at the first space or tab; REST drops that one separator.
std::pair<std::string_view, std::string_view> splitWord(std::string_view line) {
  std::size_t gap = line.find_first_of(" \t");
  if (gap == std::string_view::npos) return {line, {}};
  return {line.substr(0, gap), line.substr(gap + 1)};
}

OperatorCommand invalid(std::string message) {
  OperatorCommand c;
  c.action = OperatorAction::Invalid;
  c.error = std::move(message);
  return c;
}

OperatorCommand parseSlash(std::string_view line) {
  auto [word, rest] = splitWord(line);
  OperatorCommand c;
  if (word == "/who" || word == "/help") {
    if (rest.find_first_not_of(" \t") != std::string_view::npos)
      return invalid(std::string(word) + " takes no argument");
    c.action = word == "/who" ? OperatorAction::Who : OperatorAction::Help;
    return c;
  }
  if (word == "/kick") {
    auto [number, extra] = splitWord(rest);
    c.client = parseClientNumber(number);
    if (c.client == 0 || extra.find_first_not_of(" \t") != std::string_view::npos)
      return invalid("usage: /kick N, N a client number (/who lists them)");
    c.action = OperatorAction::Kick;
    return c;
  }
  std::string shown(word.substr(0, 32));
  return invalid("unknown command " + shown + " (/help lists the commands; //TEXT sends /TEXT)");
}

OperatorCommand parseAt(std::string_view line) {
  auto [word, text] = splitWord(line.substr(1));
  OperatorCommand c;
  c.text = text;
  if (word == "all") {
    c.action = OperatorAction::ReplyAll;
  } else if ((c.client = parseClientNumber(word)) != 0) {
    c.action = OperatorAction::ReplyTo;
  } else {
    std::string shown(word.substr(0, 32));
    return invalid("bad client number '" + shown +
                   "': @N TEXT with N from /who, @all TEXT, or @@TEXT to send @TEXT");
  }
  if (text.empty()) return invalid("nothing to send: @" + std::string(word) + " TEXT");
  return c;
}

}  // namespace

OperatorCommand parseOperatorCommand(std::string_view line) {
  OperatorCommand c;
  if (line.empty()) return c;
  if (line.size() >= 2 && (line.substr(0, 2) == "//" || line.substr(0, 2) == "@@")) {
    c.action = OperatorAction::ReplyLast;
    c.text = line.substr(1);
    return c;
  }
  if (line[0] == '/') return parseSlash(line);
  if (line[0] == '@') return parseAt(line);
  c.action = OperatorAction::ReplyLast;
  c.text = line;
  return c;
}

}  // namespace uvreactor::protocols::console
