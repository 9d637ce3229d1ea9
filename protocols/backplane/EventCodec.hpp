// EventCodec: a room event as one backplane message, and back.
//
// "uvr1 TAB SERVER TAB KIND TAB ROOM TAB NICK TAB TARGET TAB TEXT": the
// fields before TEXT cannot hold a tab (server tags, names and kinds are
// checked), so TEXT, last, may hold anything. Decoding checks every field:
// a message another program published on our channel is rejected, never
// half-used. Pure; thread-agnostic.
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

}  // namespace uvreactor::protocols::backplane
