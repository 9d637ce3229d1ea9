#include "chat/ChatRoomService.hpp"

#include <algorithm>

#include "chat/ChatCommand.hpp"

namespace uvreactor::protocols::chat {

Member& ChatRoomService::join(Connection& connection) {
  std::string nick;
  do {
    nick = "guest" + std::to_string(nextGuest_++);
  } while (byNick_.count(nick) != 0);  // someone may have taken it by /nick
  auto owned = std::make_unique<Member>(Member{nick, std::string(kLobby), &connection});
  Member* member = owned.get();
  byNick_.emplace(std::move(nick), std::move(owned));
  rooms_[member->room].push_back(Seat{member, &connection});
  return *member;
}

void ChatRoomService::leave(Member& member) {
  removeFromRoom(member);
  byNick_.erase(member.nick);  // destroys `member`
}

ChatRoomService::RenameResult ChatRoomService::rename(Member& member, std::string_view nick) {
  if (!isValidName(nick)) return RenameResult::Invalid;
  if (nick == member.nick) return RenameResult::Ok;
  std::string wanted(nick);
  if (byNick_.count(wanted) != 0) return RenameResult::Taken;
  auto node = byNick_.extract(member.nick);
  member.nick = wanted;
  node.key() = std::move(wanted);
  byNick_.insert(std::move(node));
  return RenameResult::Ok;
}

void ChatRoomService::moveTo(Member& member, std::string_view room) {
  removeFromRoom(member);
  member.room = std::string(room);
  rooms_[member.room].push_back(Seat{&member, member.connection});
}

void ChatRoomService::removeFromRoom(Member& member) {
  auto it = rooms_.find(member.room);
  if (it == rooms_.end()) return;
  auto& list = it->second;
  auto pos = std::find_if(list.begin(), list.end(),
                          [&](const Seat& seat) { return seat.member == &member; });
  if (pos != list.end()) {
    *pos = list.back();  // order within a room does not matter
    list.pop_back();
  }
  if (list.empty()) rooms_.erase(it);
}

void ChatRoomService::broadcast(std::string_view room, const Payload& line, const Member* except) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  // A send may abort a slow consumer, whose onClose (and so leave()) runs
  // later from its close callback, never during this loop.
  for (const Seat& seat : it->second) {
    if (seat.member != except) seat.connection->send(line);
  }
}

Member* ChatRoomService::findByNick(std::string_view nick) {
  auto it = byNick_.find(std::string(nick));
  return it == byNick_.end() ? nullptr : it->second.get();
}

std::vector<std::pair<std::string, std::size_t>> ChatRoomService::rooms() const {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const auto& [name, members] : rooms_) out.emplace_back(name, members.size());
  return out;
}

std::vector<std::string> ChatRoomService::nicksIn(std::string_view room) const {
  std::vector<std::string> out;
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return out;
  for (const Seat& seat : it->second) out.push_back(seat.member->nick);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace uvreactor::protocols::chat
