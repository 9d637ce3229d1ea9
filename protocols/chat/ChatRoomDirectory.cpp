// ChatRoomService, its read side: lookups for front ends and the answers
// to /who and /rooms, which may ask the other servers.
#include <algorithm>

#include "chat/ChatRoomService.hpp"
#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {

void ChatRoomService::who(Member& asker, std::string_view room,
                          std::function<void(const std::vector<std::string>&, bool)> done) {
  std::vector<std::string> nicks;
  if (const auto* members = membersIn(room)) {
    for (const Member* m : *members) nicks.push_back(m->nick);
  }
  if (!shared_) {
    std::sort(nicks.begin(), nicks.end());
    return done(nicks, backplane_ == nullptr);
  }
  backplane_->listRemote([this, id = asker.id, room = std::string(room), nicks = std::move(nicks),
                          done](const RoomBackplane::Directory* remote) mutable {
    if (findById(id) == nullptr) return;
    if (remote != nullptr) {
      for (const auto& [nick, at] : *remote) {
        if (sameName(at, room)) nicks.push_back(nick);
      }
    }
    std::sort(nicks.begin(), nicks.end());
    done(nicks, remote != nullptr);
  });
}

void ChatRoomService::listRooms(
    Member& asker,
    std::function<void(const std::vector<std::pair<std::string, std::size_t>>&, bool)> done) {
  // Keyed by folded name, holding the spelling and the count.
  std::map<std::string, std::pair<std::string, std::size_t>> counts;
  for (const auto& [key, room] : rooms_) counts[key] = {room.name, room.seats.size()};
  auto finish = [done](const std::map<std::string, std::pair<std::string, std::size_t>>& all,
                       bool complete) {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (const auto& entry : all) out.push_back(entry.second);
    done(out, complete);
  };
  if (!shared_) return finish(counts, backplane_ == nullptr);
  backplane_->listRemote([this, id = asker.id, counts = std::move(counts),
                          finish](const RoomBackplane::Directory* remote) mutable {
    if (findById(id) == nullptr) return;
    if (remote != nullptr) {
      for (const auto& entry : *remote) {
        auto& slot = counts[foldName(entry.second)];
        if (slot.first.empty()) slot.first = entry.second;
        ++slot.second;
      }
    }
    finish(counts, remote != nullptr);
  });
}

Member* ChatRoomService::findByNick(std::string_view nick) {
  auto it = byNick_.find(foldName(nick));
  return it == byNick_.end() ? nullptr : it->second.get();
}

Member* ChatRoomService::findById(uint64_t id) {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : it->second;
}

const std::vector<Member*>* ChatRoomService::membersIn(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it == rooms_.end() ? nullptr : &it->second.members;
}

const RoomTopic* ChatRoomService::topicOf(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it == rooms_.end() ? nullptr : &it->second.topic;
}

std::string_view ChatRoomService::roomName(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it == rooms_.end() ? room : std::string_view(it->second.name);
}

std::vector<std::pair<std::string, std::string>> ChatRoomService::localMembers() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, member] : byNick_) out.emplace_back(member->nick, roomsOf(*member));
  return out;
}

}  // namespace uvreactor::protocols::chat
