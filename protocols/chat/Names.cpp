#include "chat/Names.hpp"

#include <algorithm>

namespace uvreactor::protocols::chat {
namespace {

char fold(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  switch (c) {
    case '[':
      return '{';
    case ']':
      return '}';
    case '\\':
      return '|';
    case '~':
      return '^';
    default:
      return c;
  }
}

bool plainName(std::string_view name, std::size_t maxBytes) {
  if (name.empty() || name.size() > maxBytes) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte <= ' ' || byte == 0x7f || c == ',' || c == ':' || c == '!' || c == '@';
  });
}

}  // namespace

bool isValidNick(std::string_view nick) {
  return plainName(nick, kMaxNickBytes) && nick.front() != '#' && nick.front() != '*';
}

bool isValidRoom(std::string_view room) {
  return plainName(room, kMaxRoomBytes);
}

std::string foldName(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = fold(c);
  return out;
}

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return fold(x) == fold(y); });
}

}  // namespace uvreactor::protocols::chat
