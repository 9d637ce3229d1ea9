// Names: what the room service accepts as a nick or a room name, and how
// names compare.
//
// Every front end has its own stricter rules (line chat: isValidName in
// ChatCommand.hpp; IRC: its nick and channel grammar); the service and the
// backplane accept anything no front end can be confused by: no blank, no
// control character, none of , : ! @ and at most 32 (nick) or 50 (room)
// bytes. Names compare in the rfc1459 case mapping (A-Z [ ] \ ~ fold to
// a-z { } | ^), as IRC requires, so "Alice" and "alice" are one nick and
// "#Den" and "#den" one room, whichever front end typed them. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace uvreactor::protocols::chat {

constexpr std::size_t kMaxNickBytes = 32;
constexpr std::size_t kMaxRoomBytes = 50;

bool isValidNick(std::string_view nick);
bool isValidRoom(std::string_view room);
std::string foldName(std::string_view name);
bool sameName(std::string_view a, std::string_view b);

}  // namespace uvreactor::protocols::chat
