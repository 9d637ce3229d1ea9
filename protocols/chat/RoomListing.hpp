// RoomListing: the answers to /who and /rooms across servers: this
// server's part merged with the other servers' directory (RoomBackplane's
// listRemote), rooms compared in the rfc1459 case mapping. Pure.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/RoomBackplane.hpp"

namespace uvreactor::protocols::chat {

// `local` (this server's nicks in `room`) and the remote members in it,
// sorted.
std::vector<std::string> nicksInRoom(std::vector<std::string> local,
                                     const RoomBackplane::Directory* remote, std::string_view room);

// Rooms with their member counts, in (folded) name order; a room keeps the
// spelling it was first counted with.
class RoomCounts {
 public:
  void add(std::string_view room, std::size_t members);
  // One member per directory entry.
  void add(const RoomBackplane::Directory& remote);
  std::vector<std::pair<std::string, std::size_t>> list() const;

 private:
  std::map<std::string, std::pair<std::string, std::size_t>> counts_;  // folded name
};

}  // namespace uvreactor::protocols::chat
