#include "chat/LineChatRenderer.hpp"

#include <string>

#include "chat/RelayedText.hpp"

namespace uvreactor::protocols::chat {

const LineChatRenderer& LineChatRenderer::instance() {
  static const LineChatRenderer renderer;
  return renderer;
}

Payload LineChatRenderer::render(const RoomEvent& e) const {
  std::string line;
  line.reserve(e.nick.size() + e.text.size() + 32);
  switch (e.kind) {
    case RoomEventKind::Said:
    case RoomEventKind::Noticed:
      line.append(e.nick).append(": ");
      appendRelayedText(line, e.text);
      break;
    case RoomEventKind::Acted:
      line.append("* ").append(e.nick).push_back(' ');
      appendRelayedText(line, e.text);
      break;
    case RoomEventKind::Private:
    case RoomEventKind::PrivateNotice:
      line.append("[private] ").append(e.nick).append(": ");
      appendRelayedText(line, e.text);
      break;
    case RoomEventKind::Joined:
      line.append("* ").append(e.nick).append(" joined");
      break;
    case RoomEventKind::Left:
    case RoomEventKind::Quit:
      line.append("* ").append(e.nick).append(" left");
      if (!e.text.empty()) {
        line.append(" (");
        appendRelayedText(line, e.text);
        line.push_back(')');
      }
      break;
    case RoomEventKind::Renamed:
      line.append("* ").append(e.nick).append(" is now ").append(e.text);
      break;
    case RoomEventKind::TopicSet:
      line.append("* ").append(e.nick).append(" set the topic of ").append(e.room).append(": ");
      appendRelayedText(line, e.text);
      break;
    case RoomEventKind::ModeChanged:
      line.append("* ").append(e.nick).append(" set mode ").append(e.text);
      if (!e.target.empty()) line.append(" ").append(e.target);
      line.append(" on ").append(e.room);
      break;
    case RoomEventKind::Kicked:
      line.append("* ").append(e.target).append(" was removed from ").append(e.room);
      line.append(" by ").append(e.nick).append(" (");
      appendRelayedText(line, e.text);
      line.push_back(')');
      break;
    case RoomEventKind::RoomLocal:
      line.append("* room ").append(e.room).append(
          " is local-only: the link to other servers is down; members elsewhere do not hear it");
      break;
    case RoomEventKind::RoomShared:
      line.append("* room ").append(e.room).append(" is shared with other servers again");
      break;
  }
  line.push_back('\n');
  return Payload::adopt(std::move(line));
}

}  // namespace uvreactor::protocols::chat
