// RoomEvent: what happens in a chat room, independent of any wire format.
//
// The room service emits events; each protocol front end renders them in its
// own format (RoomEventRenderer), and the backplane carries them between
// servers. Fields are views: an event lives only for the call that delivers
// it. Text is as the member typed it; renderers make it safe for their wire.
#pragma once

#include <cstdint>
#include <string_view>

namespace uvreactor::protocols::chat {

enum class RoomEventKind : uint8_t {
  Said,           // nick said text in room
  Acted,          // nick did text (/me) in room
  Noticed,        // nick sent text to room as a notice (IRC NOTICE)
  Joined,         // nick joined room
  Left,           // nick left room, saying text (may be empty)
  Quit,           // nick left the server, saying text; told once to each member sharing a room
  Renamed,        // nick is now text; told once to each member sharing a room
  TopicSet,       // nick set room's topic to text
  ModeChanged,    // nick changed room's mode text ("+t", "+o") for target (a nick, or empty)
  Kicked,         // nick removed target from room, saying text
  Private,        // nick said text to target, in no room
  PrivateNotice,  // nick sent text to target as a notice, in no room
  RoomLocal,      // room can no longer reach other servers (link down)
  RoomShared,     // room reaches other servers again
};

struct RoomEvent {
  RoomEventKind kind = RoomEventKind::Said;
  std::string_view room;
  std::string_view nick;
  std::string_view text;
  std::string_view target;
  // "user@host" of the member who acted, where its front end knows one
  // (IRC prefixes); empty for others and for other servers' members.
  std::string_view origin;
};

}  // namespace uvreactor::protocols::chat
