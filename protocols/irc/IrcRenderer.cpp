#include "irc/IrcRenderer.hpp"

#include "irc/IrcMessage.hpp"

namespace uvreactor::protocols::irc {

using chat::RoomEventKind;

std::string channelOf(std::string_view room) {
  std::string out = "#";
  out.append(room);
  return out;
}

std::string IrcRenderer::sourceOf(std::string_view nick, std::string_view origin) const {
  std::string out(nick);
  out.push_back('!');
  if (origin.empty()) {
    out.append(nick).append("@").append(serverName_);
  } else {
    out.append(origin);
  }
  return out;
}

Payload IrcRenderer::render(const chat::RoomEvent& e) const {
  std::string line;
  std::string source = sourceOf(e.nick, e.origin);
  std::string channel = channelOf(e.room);
  switch (e.kind) {
    case RoomEventKind::Said:
      appendIrcLine(line, source, "PRIVMSG", {channel, e.text}, true);
      break;
    case RoomEventKind::Acted: {
      std::string action =
          "\x01"
          "ACTION ";
      action.append(e.text).push_back('\x01');
      appendIrcLine(line, source, "PRIVMSG", {channel, action}, true);
      break;
    }
    case RoomEventKind::Noticed:
      appendIrcLine(line, source, "NOTICE", {channel, e.text}, true);
      break;
    case RoomEventKind::Joined:
      appendIrcLine(line, source, "JOIN", {channel});
      break;
    case RoomEventKind::Left:
      if (e.text.empty()) {
        appendIrcLine(line, source, "PART", {channel});
      } else {
        appendIrcLine(line, source, "PART", {channel, e.text}, true);
      }
      break;
    case RoomEventKind::Quit:
      appendIrcLine(line, source, "QUIT", {e.text.empty() ? std::string_view("Quit") : e.text},
                    true);
      break;
    case RoomEventKind::Renamed:
      appendIrcLine(line, source, "NICK", {e.text});
      break;
    case RoomEventKind::TopicSet:
      appendIrcLine(line, source, "TOPIC", {channel, e.text}, true);
      break;
    case RoomEventKind::ModeChanged:
      if (e.target.empty()) {
        appendIrcLine(line, source, "MODE", {channel, e.text});
      } else {
        appendIrcLine(line, source, "MODE", {channel, e.text, e.target});
      }
      break;
    case RoomEventKind::Kicked:
      appendIrcLine(line, source, "KICK", {channel, e.target, e.text}, true);
      break;
    case RoomEventKind::Private:
      appendIrcLine(line, source, "PRIVMSG", {e.target, e.text}, true);
      break;
    case RoomEventKind::PrivateNotice:
      appendIrcLine(line, source, "NOTICE", {e.target, e.text}, true);
      break;
    case RoomEventKind::RoomLocal:
      appendIrcLine(line, serverName_, "NOTICE",
                    {channel, "this channel is local-only: the link to other servers is down"},
                    true);
      break;
    case RoomEventKind::RoomShared:
      appendIrcLine(line, serverName_, "NOTICE",
                    {channel, "this channel is shared with other servers again"}, true);
      break;
  }
  return Payload::adopt(std::move(line));
}

}  // namespace uvreactor::protocols::irc
