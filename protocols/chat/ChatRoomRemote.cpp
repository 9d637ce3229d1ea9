// ChatRoomService, the side facing other servers: their events, told to
// the local members of the room (member-wide ones once per member), and
// the link's state.
#include <algorithm>
#include <ctime>

#include "chat/ChatRoomService.hpp"
#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {
namespace {

constexpr std::size_t kToldWideEntries = 256;

}  // namespace

void ChatRoomService::deliverRemote(const RoomEvent& event, std::string_view server) {
  switch (event.kind) {
    case RoomEventKind::Private:
    case RoomEventKind::PrivateNotice:
      if (Member* to = findByNick(event.target)) tell(*to, event);
      return;
    case RoomEventKind::RoomLocal:
    case RoomEventKind::RoomShared:
      return;
    case RoomEventKind::Kicked: {
      deliver(event, nullptr);
      Member* kicked = findByNick(event.target);
      if (kicked != nullptr && inRoom(*kicked, event.room))
        removeKicked(*kicked, std::string(roomName(event.room)));
      return;
    }
    case RoomEventKind::TopicSet:
      if (auto it = rooms_.find(foldName(event.room)); it != rooms_.end())
        it->second.topic = RoomTopic{std::string(event.text), std::string(event.nick),
                                     static_cast<uint64_t>(std::time(nullptr))};
      return deliver(event, nullptr);
    case RoomEventKind::Joined:
      forgetToldWide(server, event.nick);  // back again: it may quit again
      return deliver(event, nullptr);
    case RoomEventKind::Quit:
    case RoomEventKind::Renamed: {
      // Published once per room: told once to each local member.
      if (event.kind == RoomEventKind::Renamed) forgetToldWide(server, event.text);
      auto it = rooms_.find(foldName(event.room));
      if (it == rooms_.end()) return;
      RenderedOnce rendered(event);
      for (const Room::Seat& seat : it->second.seats) {
        if (!firstTimeFor(server, event, seat.member->id)) continue;
        const Payload& bytes = rendered.forRenderer(seat.renderer);
        if (!bytes.empty()) seat.connection->send(bytes);
      }
      return;
    }
    default:
      return deliver(event, nullptr);
  }
}

namespace {

// The toldWide_ key of everything about one member of one server: a prefix.
std::string toldWidePrefix(std::string_view server, std::string_view nick) {
  std::string key(server);
  key.append("\t").append(foldName(nick)).append("\t");
  return key;
}

}  // namespace

bool ChatRoomService::firstTimeFor(std::string_view server, const RoomEvent& event,
                                   uint64_t memberId) {
  std::string key = toldWidePrefix(server, event.nick);
  key.append(std::to_string(static_cast<int>(event.kind))).append("\t").append(event.text);
  auto [it, created] = toldWide_.try_emplace(key);
  if (created) {
    it->second.first = nextId_++;  // any increasing number orders the entries
    if (toldWide_.size() > kToldWideEntries) {
      auto oldest = std::min_element(toldWide_.begin(), toldWide_.end(), [](auto& a, auto& b) {
        return a.second.first < b.second.first;
      });
      if (oldest != it) toldWide_.erase(oldest);
    }
  }
  return it->second.second.insert(memberId).second;
}

// A member that joins again (or a nick taken by a rename) starts afresh:
// the same quit or rename from it later is a new event, not a copy.
void ChatRoomService::forgetToldWide(std::string_view server, std::string_view nick) {
  std::string prefix = toldWidePrefix(server, nick);
  auto it = toldWide_.lower_bound(prefix);
  while (it != toldWide_.end() && it->first.compare(0, prefix.size(), prefix) == 0)
    it = toldWide_.erase(it);
}

// One notice per room and transition, to its local members. The link's
// first outcome is no transition: members who came before it were told
// nothing, so they hear only if the first attempt failed.
void ChatRoomService::setShared(bool shared) {
  bool first = !linkKnown_;
  linkKnown_ = true;
  if (shared == shared_ && !first) return;
  shared_ = shared;
  if (first && shared) return;
  for (const auto& [key, room] : rooms_) {
    deliver(RoomEvent{shared ? RoomEventKind::RoomShared : RoomEventKind::RoomLocal,
                      room.name,
                      {},
                      {},
                      {},
                      {}},
            nullptr);
  }
}

}  // namespace uvreactor::protocols::chat
