// ChatRoomService, its moderation: operators, voice, the topic lock,
// secrecy, and removing a member from a room (kick). Marks are per server.
#include <algorithm>

#include "chat/ChatRoomService.hpp"
#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {

bool ChatRoomService::isOperator(const Member& member, std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it != rooms_.end() && it->second.operators.count(member.id) != 0;
}

namespace {

// Operator and voice marks are sets of member ids.
void mark(std::unordered_set<uint64_t>& marks, uint64_t id, bool on) {
  if (on) {
    marks.insert(id);
  } else {
    marks.erase(id);
  }
}

}  // namespace

void ChatRoomService::setOperator(std::string_view room, const Member& member, bool on) {
  auto it = rooms_.find(foldName(room));
  if (it != rooms_.end()) mark(it->second.operators, member.id, on);
}

bool ChatRoomService::topicLocked(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it != rooms_.end() && it->second.topicLocked;
}

void ChatRoomService::lockTopic(std::string_view room, bool on) {
  auto it = rooms_.find(foldName(room));
  if (it != rooms_.end()) it->second.topicLocked = on;
}

bool ChatRoomService::isVoiced(const Member& member, std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it != rooms_.end() && it->second.voiced.count(member.id) != 0;
}

void ChatRoomService::setVoiced(std::string_view room, const Member& member, bool on) {
  auto it = rooms_.find(foldName(room));
  if (it != rooms_.end()) mark(it->second.voiced, member.id, on);
}

bool ChatRoomService::isSecret(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it != rooms_.end() && it->second.secret;
}

void ChatRoomService::makeSecret(std::string_view room, bool on) {
  auto it = rooms_.find(foldName(room));
  if (it != rooms_.end()) it->second.secret = on;
}

bool ChatRoomService::inRoom(const Member& member, std::string_view room) const {
  return std::any_of(member.rooms.begin(), member.rooms.end(),
                     [&](const std::string& r) { return sameName(r, room); });
}

void ChatRoomService::kick(Member& by, std::string_view room, std::string_view target,
                           std::string_view reason, std::function<void(KickResult)> done) {
  if (!inRoom(by, room)) return done(KickResult::NotInRoom);
  if (!isOperator(by, room)) return done(KickResult::NotOperator);
  std::string name(roomName(room));
  if (Member* local = findByNick(target)) {
    if (!inRoom(*local, name)) return done(KickResult::NoSuchMember);
    announceKick(by, name, local->nick, reason);
    removeKicked(*local, name);
    return done(KickResult::Kicked);
  }
  if (!shared_) return done(KickResult::NoSuchMember);
  // Another server's member: kicked if the directory has it in the room.
  // Its own server removes it when the event arrives (deliverRemote).
  who(by, name,
      [this, id = by.id, name, target = std::string(target), reason = std::string(reason), done](
          const std::vector<std::string>& nicks, bool) {
        Member* kicker = findById(id);
        auto hit = std::find_if(nicks.begin(), nicks.end(),
                                [&](const std::string& n) { return sameName(n, target); });
        if (kicker == nullptr || !isOperator(*kicker, name)) return done(KickResult::NotOperator);
        if (hit == nicks.end() || findByNick(target) != nullptr)
          return done(KickResult::NoSuchMember);
        announceKick(*kicker, name, *hit, reason);
        done(KickResult::Kicked);
      });
}

void ChatRoomService::announceKick(Member& by, const std::string& room, std::string_view target,
                                   std::string_view reason) {
  RoomEvent kicked{RoomEventKind::Kicked, room, by.nick, reason, target, by.origin};
  deliver(kicked, nullptr);  // the kicked member hears it too
  if (shared_) backplane_->publish(kicked);
}

// Out of the room without a Left event (everyone heard the kick). A member
// of one room only (line chat) goes back to the lobby; kicked from the
// lobby itself it has nowhere left to be, and is disconnected.
void ChatRoomService::removeKicked(Member& member, const std::string& room) {
  unseat(member, foldName(room));
  if (!member.singleRoom) return;
  if (!sameName(room, kLobby)) return seat(member, kLobby, /*tellIfLocal=*/true);
  member.connection->close();
}

}  // namespace uvreactor::protocols::chat
