#include "chat/ChatRoomService.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "chat/Names.hpp"
#include "chat/RoomListing.hpp"

namespace uvreactor::protocols::chat {

void ChatRoomService::tell(Member& member, const RoomEvent& event) {
  Payload bytes = member.renderer->render(event);
  if (!bytes.empty()) member.connection->send(bytes);
}

void ChatRoomService::attach(RoomBackplane* backplane, std::string_view serverTag) {
  backplane_ = backplane;
  nicks_.setGuestSuffix(backplane != nullptr ? std::string("-").append(serverTag) : std::string());
  shared_ = backplane != nullptr && backplane->shared();
  linkKnown_ = shared_;
}

Room* ChatRoomService::findRoom(std::string_view room) {
  return const_cast<Room*>(std::as_const(*this).findRoom(room));
}

const Room* ChatRoomService::findRoom(std::string_view room) const {
  auto it = rooms_.find(foldName(room));
  return it == rooms_.end() ? nullptr : &it->second;
}

Member& ChatRoomService::join(Connection& connection, const RoomEventRenderer& renderer,
                              std::string_view nick, std::string_view origin, bool enterLobby) {
  std::string name =
      !nick.empty() && isValidNick(nick) && nickFree(nick) ? std::string(nick) : nicks_.guestNick();
  Member& member = nicks_.add(Member{
      0, name, {}, &connection, &renderer, std::string(origin), {}, {}, false, false, enterLobby});
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
  while (!member.rooms.empty()) unseat(member, member.rooms.back());
  if (backplane_ != nullptr) {
    backplane_->memberGone(member.nick);
    backplane_->releaseNick(member.nick);
  }
  nicks_.remove(member);  // destroys `member`
}

void ChatRoomService::say(Member& member, RoomEventKind kind, std::string_view text,
                          std::string_view room) {
  if (room.empty()) room = member.room();
  // One lookup per line (it folds the name and walks the room map).
  const Room* r = findRoom(room);
  RoomEvent event{kind,        r == nullptr ? room : std::string_view(r->name()),
                  member.nick, text,
                  {},          member.origin};
  if (r != nullptr) r->deliver(event, &member);
  if (shared_) backplane_->publish(event);
}

// Opening `room` would pass limits().total, `freed` rooms being about to close.
bool ChatRoomService::noRoomFor(std::string_view room, std::size_t freed) const {
  return limits_.total != 0 && rooms_.size() - freed >= limits_.total && !sameName(room, kLobby) &&
         findRoom(room) == nullptr;
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
  unseat(member, name);
  return true;
}

// Checked before leaving, so a refused move loses nothing; leaving a room
// the member is alone in frees the slot the new room takes.
ChatRoomService::EnterResult ChatRoomService::moveTo(Member& member, std::string_view room) {
  if (member.rooms.empty()) return enterRoom(member, room);
  if (sameName(member.room(), room)) return EnterResult::AlreadyIn;
  const Room* current = findRoom(member.room());
  bool freesOne = current != nullptr && current->size() == 1;
  if (noRoomFor(room, freesOne ? 1 : 0)) return EnterResult::ServerFull;
  leaveRoom(member, member.room());
  return enterRoom(member, room);
}

// Seats the member, opens the room on the backplane if it is new here, and
// tells the room (and the member, if the room cannot reach other servers).
void ChatRoomService::seat(Member& member, std::string_view room, bool tellIfLocal) {
  auto [it, created] = rooms_.try_emplace(foldName(room), std::string(room), member);
  Room& r = it->second;
  r.seat(member);
  member.rooms.push_back(r.name());
  RoomEvent joined{RoomEventKind::Joined, r.name(), member.nick, {}, {}, member.origin};
  r.deliver(joined, &member);
  if (backplane_ == nullptr) return;
  if (created) backplane_->roomOpened(r.name());
  backplane_->memberAt(member.nick, roomsOf(member));
  if (shared_) {
    backplane_->publish(joined);
  } else if (tellIfLocal && linkKnown_) {
    tell(member, RoomEvent{RoomEventKind::RoomLocal, r.name(), {}, {}, {}, {}});
  }
}

void ChatRoomService::unseat(Member& member, std::string_view room) {
  auto it = rooms_.find(foldName(room));  // the iterator, to close the room
  if (it == rooms_.end()) return;
  Room& r = it->second;
  r.unseat(member);
  member.rooms.erase(std::remove(member.rooms.begin(), member.rooms.end(), r.name()),
                     member.rooms.end());
  if (backplane_ != nullptr) backplane_->memberAt(member.nick, roomsOf(member));
  if (r.empty()) {
    std::string name = r.name();
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
  if (const Room* r = findRoom(event.room)) r->deliver(event, except);
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
    if (const Room* r = findRoom(room))
      r->deliver(rendered, [&](const Member& m) { return told.insert(&m).second; });
  }
}

void ChatRoomService::setTopic(Member& member, std::string_view room, std::string_view text) {
  Room* r = findRoom(room);
  if (r == nullptr) return;
  r->setTopic(RoomTopic{std::string(text), member.nick, static_cast<uint64_t>(std::time(nullptr))});
  RoomEvent event{RoomEventKind::TopicSet, r->name(), member.nick, text, {}, member.origin};
  r->deliver(event, nullptr);
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
  nicks_.holdForClaim(wanted, member.id);
  backplane_->claimNick(wanted, [this, id = member.id, wanted, done](bool granted) {
    nicks_.claimSettled(wanted);
    Member* m = nicks_.findById(id);
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
  nicks_.rename(member, nick);
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
    Member* m = nicks_.findById(id);
    if (!granted && m != nullptr && m->nick == nick) nickLost(nick);
  });
}

void ChatRoomService::nickLost(std::string_view nick) {
  Member* member = findByNick(nick);
  if (member == nullptr) return;
  std::string lost = member->nick;
  std::string guest = nicks_.guestNick();
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
    if (nicks_.findById(id) != nullptr) done(delivered);
  });
}

void ChatRoomService::who(Member& asker, std::string_view room,
                          std::function<void(const std::vector<std::string>&, bool)> done) {
  std::vector<std::string> nicks;
  if (const Room* r = findRoom(room)) {
    for (const Member* m : r->members()) nicks.push_back(m->nick);
  }
  if (!shared_) return done(nicksInRoom(std::move(nicks), nullptr, room), backplane_ == nullptr);
  backplane_->listRemote([this, id = asker.id, room = std::string(room), nicks = std::move(nicks),
                          done](const RoomBackplane::Directory* remote) mutable {
    if (nicks_.findById(id) == nullptr) return;
    done(nicksInRoom(std::move(nicks), remote, room), remote != nullptr);
  });
}

void ChatRoomService::listRooms(
    Member& asker,
    std::function<void(const std::vector<std::pair<std::string, std::size_t>>&, bool)> done) {
  RoomCounts counts;
  for (const auto& [key, room] : rooms_) counts.add(room.name(), room.size());
  if (!shared_) return done(counts.list(), backplane_ == nullptr);
  backplane_->listRemote([this, id = asker.id, counts = std::move(counts),
                          done](const RoomBackplane::Directory* remote) mutable {
    if (nicks_.findById(id) == nullptr) return;
    if (remote != nullptr) counts.add(*remote);
    done(counts.list(), remote != nullptr);
  });
}

std::vector<std::pair<std::string, std::string>> ChatRoomService::localMembers() const {
  std::vector<std::pair<std::string, std::string>> out;
  nicks_.forEach([&](const Member& member) { out.emplace_back(member.nick, roomsOf(member)); });
  return out;
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
        Member* kicker = nicks_.findById(id);
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
  unseat(member, room);
  if (!member.singleRoom) return;
  if (!sameName(room, kLobby)) return seat(member, kLobby, /*tellIfLocal=*/true);
  member.connection->close();
}

// Another server's event, told to the local members of its room (member-
// wide ones once per member).
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
      if (Room* r = findRoom(event.room))
        r->setTopic(RoomTopic{std::string(event.text), std::string(event.nick),
                              static_cast<uint64_t>(std::time(nullptr))});
      return deliver(event, nullptr);
    case RoomEventKind::Joined:
      toldOnce_.forget(server, event.nick);  // back again: it may quit again
      return deliver(event, nullptr);
    case RoomEventKind::Quit:
    case RoomEventKind::Renamed:
      return deliverMemberWide(event, server);
    default:
      return deliver(event, nullptr);
  }
}

void ChatRoomService::deliverMemberWide(const RoomEvent& event, std::string_view server) {
  // The new nick starts afresh: the same rename back later is a new event.
  if (event.kind == RoomEventKind::Renamed) toldOnce_.forget(server, event.text);
  const Room* r = findRoom(event.room);
  if (r == nullptr) return;
  RenderedOnce rendered(event);
  r->deliver(rendered, [&](const Member& m) { return toldOnce_.firstTime(server, event, m.id); });
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
  RoomEventKind kind = shared ? RoomEventKind::RoomShared : RoomEventKind::RoomLocal;
  for (const auto& [key, room] : rooms_)
    room.deliver(RoomEvent{kind, room.name(), {}, {}, {}, {}}, nullptr);
}

}  // namespace uvreactor::protocols::chat
