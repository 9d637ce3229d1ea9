#include "chat/ChatCommand.hpp"

namespace uvreactor::protocols::chat {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "word rest" at the first blank.
std::pair<std::string_view, std::string_view> splitWord(std::string_view s) {
  std::size_t blank = s.find_first_of(" \t");
  if (blank == std::string_view::npos) return {s, {}};
  return {s.substr(0, blank), trim(s.substr(blank + 1))};
}

ChatCommand usage(std::string_view text) {
  ChatCommand c;
  c.kind = CommandKind::Usage;
  c.usage = text;
  return c;
}

}  // namespace

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

ChatCommand parseChatCommand(std::string_view line) {
  ChatCommand c;
  if (line.empty()) return c;
  if (line.front() != '/' || (line.size() > 1 && line[1] == '/')) {
    c.kind = CommandKind::Say;
    c.argument = line.front() == '/' ? line.substr(1) : line;
    return c;
  }
  auto [word, rest] = splitWord(line.substr(1));
  if (word == "nick") {
    if (rest.empty() || rest.find_first_of(" \t") != std::string_view::npos) {
      return usage("/nick NAME");
    }
    c.kind = CommandKind::Nick;
    c.argument = rest;
  } else if (word == "join") {
    if (rest.empty() || rest.find_first_of(" \t") != std::string_view::npos) {
      return usage("/join ROOM");
    }
    c.kind = CommandKind::Join;
    c.argument = rest;
  } else if (word == "msg") {
    auto [nick, text] = splitWord(rest);
    if (nick.empty() || text.empty()) return usage("/msg NICK text");
    c.kind = CommandKind::Msg;
    c.target = nick;
    c.argument = text;
  } else if (word == "me") {
    if (rest.empty()) return usage("/me action");
    c.kind = CommandKind::Me;
    c.argument = rest;
  } else if (word == "rooms") {
    c.kind = CommandKind::Rooms;
  } else if (word == "who") {
    c.kind = CommandKind::Who;
  } else if (word == "help") {
    c.kind = CommandKind::Help;
  } else if (word == "quit") {
    c.kind = CommandKind::Quit;
  } else {
    c.kind = CommandKind::Unknown;
    c.argument = word;
  }
  return c;
}

}  // namespace uvreactor::protocols::chat
