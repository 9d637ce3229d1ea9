#include "chat/RoomListing.hpp"

#include <algorithm>

#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {

std::vector<std::string> nicksInRoom(std::vector<std::string> local,
                                     const RoomBackplane::Directory* remote,
                                     std::string_view room) {
  if (remote != nullptr) {
    for (const auto& [nick, at] : *remote) {
      if (sameName(at, room)) local.push_back(nick);
    }
  }
  std::sort(local.begin(), local.end());
  return local;
}

void RoomCounts::add(std::string_view room, std::size_t members) {
  auto& slot = counts_[foldName(room)];
  if (slot.first.empty()) slot.first = std::string(room);
  slot.second += members;
}

void RoomCounts::add(const RoomBackplane::Directory& remote) {
  for (const auto& entry : remote) add(entry.second, 1);
}

std::vector<std::pair<std::string, std::size_t>> RoomCounts::list() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const auto& entry : counts_) out.push_back(entry.second);
  return out;
}

}  // namespace uvreactor::protocols::chat
