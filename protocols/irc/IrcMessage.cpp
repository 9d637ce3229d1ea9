#include "irc/IrcMessage.hpp"

#include <algorithm>

namespace uvreactor::protocols::irc {
namespace {

void skipSpaces(std::string_view& rest) {
  std::size_t n = rest.find_first_not_of(' ');
  rest.remove_prefix(n == std::string_view::npos ? rest.size() : n);
}

// The next space-terminated word.
std::string_view word(std::string_view& rest) {
  std::size_t space = rest.find(' ');
  std::string_view out = rest.substr(0, space);
  rest.remove_prefix(space == std::string_view::npos ? rest.size() : space);
  return out;
}

bool isSpecial(char c) {
  return c == '[' || c == ']' || c == '\\' || c == '`' || c == '_' || c == '^' || c == '{' ||
         c == '|' || c == '}';
}

}  // namespace

bool IrcMessage::isCommand(std::string_view upper) const {
  return command.size() == upper.size() &&
         std::equal(command.begin(), command.end(), upper.begin(), [](char a, char b) {
           return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 'a' + 'A') : a) == b;
         });
}

bool parseIrcMessage(std::string_view line, IrcMessage& out) {
  out = IrcMessage();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  skipSpaces(rest);
  if (!rest.empty() && rest.front() == '@') {
    rest.remove_prefix(1);
    out.tags = word(rest);
    skipSpaces(rest);
  }
  if (!rest.empty() && rest.front() == ':') {
    rest.remove_prefix(1);
    out.source = word(rest);
    skipSpaces(rest);
  }
  out.command = word(rest);
  if (out.command.empty()) return false;
  for (;;) {
    skipSpaces(rest);
    if (rest.empty()) break;
    if (rest.front() == ':' || out.paramCount == IrcMessage::kMaxParams - 1) {
      if (rest.front() == ':') rest.remove_prefix(1);
      out.params[out.paramCount++] = rest;  // the rest of the line, spaces and all
      break;
    }
    out.params[out.paramCount++] = word(rest);
  }
  return true;
}

bool isValidNick(std::string_view nick) {
  if (nick.empty() || nick.size() > kMaxNickLength) return false;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!letter(nick[0]) && !isSpecial(nick[0])) return false;
  return std::all_of(nick.begin() + 1, nick.end(), [&](char c) {
    return letter(c) || isSpecial(c) || (c >= '0' && c <= '9') || c == '-';
  });
}

bool isValidChannel(std::string_view channel) {
  if (channel.size() < 2 || channel.size() > 50 || channel[0] != '#') return false;
  return std::none_of(channel.begin(), channel.end(), [](char c) {
    return c == ' ' || c == ',' || c == '\a' || c == ':' || c == '\r' || c == '\n' || c == '\0';
  });
}

void appendIrcLine(std::string& out, std::string_view source, std::string_view command,
                   const std::string_view* params, std::size_t count, bool trailing) {
  std::size_t start = out.size();
  // One allocation for the line (growing 15, 30, 60, 120 bytes cost more
  // than writing it): source, command, and each parameter with its " :".
  std::size_t longest = source.size() + command.size() + 4;
  for (std::size_t i = 0; i < count; ++i) longest += params[i].size() + 2;
  out.reserve(start + std::min(longest, kMaxLineBytes));
  if (!source.empty()) out.append(":").append(source).push_back(' ');
  out.append(command);
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view p = params[i];
    bool last = i + 1 == count;
    out.push_back(' ');
    if (last &&
        (trailing || p.empty() || p.find(' ') != std::string_view::npos || p.front() == ':'))
      out.push_back(':');
    std::size_t used = out.size() - start;
    std::size_t room = kMaxLineBytes - 2 > used ? kMaxLineBytes - 2 - used : 0;
    // Appended whole, then cleaned in place: a push_back per byte cost
    // about 15 instructions per byte of every relayed line.
    std::size_t at = out.size();
    out.append(p.substr(0, room));
    for (char* c = out.data() + at; c != out.data() + out.size(); ++c) {
      if (*c == '\r' || *c == '\n' || *c == '\0') *c = ' ';
    }
  }
  out.append("\r\n");
}

}  // namespace uvreactor::protocols::irc
