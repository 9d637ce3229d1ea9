// Member: one connected member of the room service, as its front end and
// the service see it.
//
// Owned by the service's NickRegistry from join to leave; front ends hold a
// pointer while their connection is open. Its Connection pointer is valid
// while it is registered. Loop-thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chat/RoomEventRenderer.hpp"
#include "uvreactor/Connection.hpp"

namespace uvreactor::protocols::chat {

struct Member {
  uint64_t id;
  std::string nick;
  std::vector<std::string> rooms;  // as spelled when the room was created
  Connection* connection;
  const RoomEventRenderer* renderer;
  std::string origin;    // "user@host" where the front end has one
  std::string realname;  // free text a front end may show (IRC's USER)
  std::string away;      // non-empty: the member is away, with this message
  bool serverOperator = false;
  bool invisible = false;   // left out of others' searches (IRC +i)
  bool singleRoom = false;  // always in exactly one room (line chat)
  // A line-chat member's one room.
  const std::string& room() const { return rooms.front(); }
};

}  // namespace uvreactor::protocols::chat
