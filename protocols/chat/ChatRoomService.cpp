#include "chat/ChatRoomService.hpp"

#include <algorithm>
#include <ctime>

#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {

void ChatRoomService::tell(Member& member, const RoomEvent& event) {
  Payload bytes = member.renderer->render(event);
  if (!bytes.empty()) member.connection->send(bytes);
}

void ChatRoomService::attach(RoomBackplane* backplane, std::string_view serverTag) {
  backplane_ = backplane;
  guestSuffix_.clear();
  if (backplane != nullptr) guestSuffix_.append("-").append(serverTag);
  shared_ = backplane != nullptr && backplane->shared();
  linkKnown_ = shared_;
}

std::string ChatRoomService::guestNick() {
  std::string nick;
  do {
    nick = "guest" + std::to_string(nextGuest_++) + guestSuffix_;
  } while (!nickFree(nick));  // someone may have taken it by /nick
  return nick;
}

bool ChatRoomService::nickFree(std::string_view nick) const {
  std::string key = foldName(nick);
  return byNick_.count(key) == 0 && pendingNicks_.count(key) == 0;
}

Member& ChatRoomService::join(Connection& connection, const RoomEventRenderer& renderer,
                              std::string_view nick, std::string_view origin, bool enterLobby) {
  std::string name =
      !nick.empty() && isValidNick(nick) && nickFree(nick) ? std::string(nick) : guestNick();
  auto owned = std::make_unique<Member>(Member{nextId_++,
                                               name,
                                               {},
                                               &connection,
                                               &renderer,
                                               std::string(origin),
                                               {},
                                               {},
                                               false,
                                               false,
                                               enterLobby});
  Member& member = *owned;
  byId_.emplace(member.id, &member);
  byNick_.emplace(foldName(name), std::move(owned));
  if (enterLobby) seat(member, kLobby, /*tellIfLocal=*/false);
  if (backplane_ != nullptr) {
    if (!enterLobby) backplane_->memberAt(member.nick, "");
    claimNick(member);
  }
  return member;
}

void ChatRoomService::tellIfLocal(Member& member) {
  if (backplane_ == nullptr || shared_ || !linkKnown_) return;
  for (const std::string& room : member.rooms)
    tell(member, RoomEvent{RoomEventKind::RoomLocal, room, {}, {}, {}, {}});
}

void ChatRoomService::leave(Member& member, std::string_view reason) {
  RoomEvent quit{RoomEventKind::Quit, {}, member.nick, reason, {}, member.origin};
  deliverToCompany(quit, member);
  if (backplane_ != nullptr && shared_) {
    for (const std::string& room : member.rooms) {
      quit.room = room;
      backplane_->publish(quit);
    }
  }
  while (!member.rooms.empty()) unseat(member, foldName(member.rooms.back()));
  if (backplane_ != nullptr) {
    backplane_->memberGone(member.nick);
    backplane_->releaseNick(member.nick);
  }
  byId_.erase(member.id);
  byNick_.erase(foldName(member.nick));  // destroys `member`
}

void ChatRoomService::say(Member& member, RoomEventKind kind, std::string_view text,
                          std::string_view room) {
  if (room.empty()) room = member.room();
  RoomEvent event{kind, roomName(room), member.nick, text, {}, member.origin};
  deliver(event, &member);
  if (shared_) backplane_->publish(event);
}

// Opening `room` would pass limits().total, `freed` rooms being about to close.
bool ChatRoomService::noRoomFor(std::string_view room, std::size_t freed) const {
  return limits_.total != 0 && rooms_.size() - freed >= limits_.total && !sameName(room, kLobby) &&
         rooms_.count(foldName(room)) == 0;
}

ChatRoomService::EnterResult ChatRoomService::enterRoom(Member& member, std::string_view room) {
  for (const std::string& in : member.rooms) {
    if (sameName(in, room)) return EnterResult::AlreadyIn;
  }
  if (member.rooms.size() >= std::max<std::size_t>(limits_.perMember, 1))
    return EnterResult::MemberFull;
  if (noRoomFor(room, 0)) return EnterResult::ServerFull;
  seat(member, room, /*tellIfLocal=*/true);
  return EnterResult::Entered;
}

bool ChatRoomService::leaveRoom(Member& member, std::string_view room, std::string_view reason) {
  auto in = std::find_if(member.rooms.begin(), member.rooms.end(),
                         [&](const std::string& r) { return sameName(r, room); });
  if (in == member.rooms.end()) return false;
  std::string name = *in;
  RoomEvent left{RoomEventKind::Left, name, member.nick, reason, {}, member.origin};
  deliver(left, &member);
  if (shared_) backplane_->publish(left);
  unseat(member, foldName(name));
  return true;
}

// Checked before leaving, so a refused move loses nothing; leaving a room
// the member is alone in frees the slot the new room takes.
ChatRoomService::EnterResult ChatRoomService::moveTo(Member& member, std::string_view room) {
  if (member.rooms.empty()) return enterRoom(member, room);
  if (sameName(member.room(), room)) return EnterResult::AlreadyIn;
  auto current = rooms_.find(foldName(member.room()));
  bool freesOne = current != rooms_.end() && current->second.seats.size() == 1;
  if (noRoomFor(room, freesOne ? 1 : 0)) return EnterResult::ServerFull;
  leaveRoom(member, member.room());
  return enterRoom(member, room);
}

// Seats the member, opens the room on the backplane if it is new here, and
// tells the room (and the member, if the room cannot reach other servers).
void ChatRoomService::seat(Member& member, std::string_view room, bool tellIfLocal) {
  auto [it, created] = rooms_.try_emplace(foldName(room));
  Room& r = it->second;
  if (created) {
    r.name = std::string(room);
    r.operators.insert(member.id);
  }
  r.seats.push_back(Room::Seat{&member, member.connection, member.renderer});
  r.members.push_back(&member);
  member.rooms.push_back(r.name);
  RoomEvent joined{RoomEventKind::Joined, r.name, member.nick, {}, {}, member.origin};
  deliver(joined, &member);
  if (backplane_ == nullptr) return;
  if (created) backplane_->roomOpened(r.name);
  backplane_->memberAt(member.nick, roomsOf(member));
  if (shared_) {
    backplane_->publish(joined);
  } else if (tellIfLocal && linkKnown_) {
    tell(member, RoomEvent{RoomEventKind::RoomLocal, r.name, {}, {}, {}, {}});
  }
}

void ChatRoomService::unseat(Member& member, const std::string& key) {
  auto it = rooms_.find(key);
  if (it == rooms_.end()) return;
  Room& r = it->second;
  auto seatAt = std::find_if(r.seats.begin(), r.seats.end(),
                             [&](const Room::Seat& s) { return s.member == &member; });
  if (seatAt != r.seats.end()) {
    *seatAt = r.seats.back();  // order within a room does not matter
    r.seats.pop_back();
  }
  r.members.erase(std::remove(r.members.begin(), r.members.end(), &member), r.members.end());
  r.operators.erase(member.id);
  r.voiced.erase(member.id);
  member.rooms.erase(std::remove(member.rooms.begin(), member.rooms.end(), r.name),
                     member.rooms.end());
  if (backplane_ != nullptr) backplane_->memberAt(member.nick, roomsOf(member));
  if (r.seats.empty()) {
    std::string name = r.name;
    rooms_.erase(it);
    if (backplane_ != nullptr) backplane_->roomClosed(name);
  }
}

std::string ChatRoomService::roomsOf(const Member& member) const {
  std::string out;
  for (const std::string& room : member.rooms) {
    if (!out.empty()) out.push_back(',');
    out.append(room);
  }
  return out;
}

void ChatRoomService::deliver(const RoomEvent& event, const Member* except) {
  auto it = rooms_.find(foldName(event.room));
  if (it == rooms_.end()) return;
  RenderedOnce rendered(event);
  // A send may abort a slow consumer, whose onClose (and so leave()) runs
  // later from its close callback, never during this loop.
  for (const Room::Seat& seat : it->second.seats) {
    if (seat.member == except) continue;
    const Payload& bytes = rendered.forRenderer(seat.renderer);
    if (!bytes.empty()) seat.connection->send(bytes);
  }
}

void ChatRoomService::deliverToCompany(const RoomEvent& event, const Member& member) {
  if (member.rooms.size() == 1) {  // line chat: no one can be told twice
    RoomEvent inRoom = event;
    inRoom.room = member.rooms.front();
    return deliver(inRoom, &member);
  }
  std::unordered_set<const Member*> told{&member};
  RenderedOnce rendered(event);
  for (const std::string& room : member.rooms) {
    auto it = rooms_.find(foldName(room));
    if (it == rooms_.end()) continue;
    for (const Room::Seat& seat : it->second.seats) {
      if (!told.insert(seat.member).second) continue;
      const Payload& bytes = rendered.forRenderer(seat.renderer);
      if (!bytes.empty()) seat.connection->send(bytes);
    }
  }
}

void ChatRoomService::setTopic(Member& member, std::string_view room, std::string_view text) {
  auto it = rooms_.find(foldName(room));
  if (it == rooms_.end()) return;
  it->second.topic =
      RoomTopic{std::string(text), member.nick, static_cast<uint64_t>(std::time(nullptr))};
  RoomEvent event{RoomEventKind::TopicSet, it->second.name, member.nick, text, {}, member.origin};
  deliver(event, nullptr);
  if (shared_) backplane_->publish(event);
}

void ChatRoomService::announceMode(Member& member, std::string_view room, std::string_view change,
                                   std::string_view target) {
  RoomEvent event{
      RoomEventKind::ModeChanged, roomName(room), member.nick, change, target, member.origin};
  deliver(event, nullptr);
  if (shared_) backplane_->publish(event);
}

void ChatRoomService::rename(Member& member, std::string_view nick,
                             std::function<void(RenameResult, std::string_view)> done) {
  if (!isValidNick(nick)) return done(RenameResult::Invalid, nick);
  if (nick == member.nick) return done(RenameResult::Ok, nick);
  std::string wanted(nick);
  // A change of case only is this member's own nick.
  if (!sameName(nick, member.nick) && !nickFree(nick)) return done(RenameResult::Taken, nick);
  if (backplane_ == nullptr || sameName(nick, member.nick)) {
    applyRename(member, wanted);
    return done(RenameResult::Ok, nick);
  }
  std::string key = foldName(wanted);
  pendingNicks_.emplace(key, member.id);
  backplane_->claimNick(wanted, [this, id = member.id, wanted, key, done](bool granted) {
    pendingNicks_.erase(key);
    Member* m = findById(id);
    if (m == nullptr) {
      if (granted) backplane_->releaseNick(wanted);  // its member left meanwhile
      return;
    }
    if (!granted) return done(RenameResult::Taken, wanted);
    applyRename(*m, wanted);
    done(RenameResult::Ok, wanted);
  });
}

void ChatRoomService::applyRename(Member& member, const std::string& nick) {
  std::string old = member.nick;
  auto node = byNick_.extract(foldName(old));
  member.nick = nick;
  node.key() = foldName(nick);
  byNick_.insert(std::move(node));
  RoomEvent renamed{RoomEventKind::Renamed, {}, old, member.nick, {}, member.origin};
  deliverToCompany(renamed, member);
  if (backplane_ == nullptr) return;
  if (shared_) {
    for (const std::string& room : member.rooms) {
      renamed.room = room;
      backplane_->publish(renamed);
    }
  }
  backplane_->memberGone(old);
  backplane_->memberAt(member.nick, roomsOf(member));
  if (!sameName(old, nick)) backplane_->releaseNick(old);
}

// A nick is claimed across servers in the background; if another server
// holds it, the member gets a guest nick instead.
void ChatRoomService::claimNick(Member& member) {
  backplane_->claimNick(member.nick, [this, id = member.id, nick = member.nick](bool granted) {
    Member* m = findById(id);
    if (!granted && m != nullptr && m->nick == nick) nickLost(nick);
  });
}

void ChatRoomService::nickLost(std::string_view nick) {
  Member* member = findByNick(nick);
  if (member == nullptr) return;
  std::string lost = member->nick;
  std::string guest = guestNick();
  applyRename(*member, guest);
  // The member hears it too: the nick it typed is no longer its own.
  tell(*member, RoomEvent{RoomEventKind::Renamed, {}, lost, guest, {}, member->origin});
  claimNick(*member);
}

void ChatRoomService::sendPrivate(Member& from, std::string_view target, std::string_view text,
                                  std::function<void(bool)> done, RoomEventKind kind) {
  RoomEvent event{kind, {}, from.nick, text, target, from.origin};
  if (Member* to = findByNick(target)) {
    tell(*to, event);
    return done(true);
  }
  if (!shared_) return done(false);
  backplane_->sendPrivate(event, [this, id = from.id, done](bool delivered) {
    if (findById(id) != nullptr) done(delivered);
  });
}

}  // namespace uvreactor::protocols::chat
