// EventCodec: a room event as one backplane message, and back.
//
// "uvr1 TAB SERVER TAB KIND TAB ROOM TAB NICK TAB TARGET TAB TEXT": the
// fields before TEXT cannot hold a tab (server tags, names and kinds are
// checked), so TEXT, last, may hold tabs. Redis is untrusted input: decoding
// checks every field as strictly as a local member's input, and first, for
// every kind alike, that no field holds a control character (RelayedText's
// rule: C0 but tab, DEL, UTF-8 C1), so no front end can be made to show
// a forged line or an escape sequence whatever field it renders raw. A
// message another program published on our channel is rejected, never
// half-used. Encoding replaces the control characters of TEXT with '?', as
// line chat shows them, so what one server sends the others accept.
// Pure; thread-agnostic.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "chat/RoomEvent.hpp"

namespace uvreactor::protocols::backplane {

// The longest TEXT accepted (a chat line is at most --max-line bytes).
constexpr std::size_t kMaxEventText = 64 * 1024;

struct DecodedEvent {
  std::string_view server;
  chat::RoomEvent event;  // views into the message
};

void encodeEvent(std::string& out, std::string_view server, const chat::RoomEvent& event);
std::optional<DecodedEvent> decodeEvent(std::string_view message);

// Server tags: 1-8 of [a-z0-9].
bool isValidServerTag(std::string_view tag);
// A nick or room name read from Redis (events, the directory of members):
// valid for the room service and free of control characters.
bool isValidRemoteNick(std::string_view nick);
bool isValidRemoteRoom(std::string_view room);

}  // namespace uvreactor::protocols::backplane
