// IrcMessage: one IRC line, parsed into views, and the helpers to build
// replies (RFC 1459/2812 as modern clients use them).
//
//   [@tags SPACE] [:source SPACE] COMMAND [params] [:trailing]
//
// Parsing allocates nothing: every field is a view into the line, which must
// outlive the message. At most 15 parameters (the 15th takes the rest of the
// line, as the RFC says). Tags are kept as one view and otherwise ignored;
// the 512-byte limit applies to the line without its tags. Nicks and
// channels compare in the rfc1459 case mapping (chat/Names.hpp). Pure.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace uvreactor::protocols::irc {

// Bytes of a line without its tags, CR LF included.
constexpr std::size_t kMaxLineBytes = 512;
// Bytes of the tags part (IRCv3 message-tags: 4094 from a client, plus '@' and ' ').
constexpr std::size_t kMaxTagBytes = 4096;

struct IrcMessage {
  static constexpr std::size_t kMaxParams = 15;
  std::string_view tags;     // without the '@'
  std::string_view source;   // without the ':'
  std::string_view command;  // as sent; compare with isCommand()
  std::array<std::string_view, kMaxParams> params{};
  std::size_t paramCount = 0;

  std::string_view param(std::size_t i) const {
    return i < paramCount ? params[i] : std::string_view();
  }
  // Case-insensitive: clients send "privmsg" as well as "PRIVMSG".
  bool isCommand(std::string_view upper) const;
};

// Parses one line (without its LF; a trailing CR is dropped). False for a
// line with no command (empty, only tags or a source).
bool parseIrcMessage(std::string_view line, IrcMessage& out);

// Nicks: 1-32 bytes, a letter or one of []\`_^{|} first, then also digits
// and '-'. Channels: '#' then 1-49 bytes, no space, comma, BEL or ':'.
constexpr std::size_t kMaxNickLength = 32;
bool isValidNick(std::string_view nick);
bool isValidChannel(std::string_view channel);

// Appends ":source COMMAND p1 p2 :last\r\n"; the last parameter gets a ':'
// when it needs one (empty, has a space, or starts with ':') or when
// `trailing` says it is text (as servers write messages). A parameter
// is cut so the line never passes kMaxLineBytes, and CR, LF and NUL in it
// become spaces (a parameter can never split the line).
void appendIrcLine(std::string& out, std::string_view source, std::string_view command,
                   const std::string_view* params, std::size_t count, bool trailing = false);
inline void appendIrcLine(std::string& out, std::string_view source, std::string_view command,
                          std::initializer_list<std::string_view> params, bool trailing = false) {
  appendIrcLine(out, source, command, params.begin(), params.size(), trailing);
}

}  // namespace uvreactor::protocols::irc
