#include "chat/ChatRoomService.hpp"

#include <algorithm>
#include <array>

#include "chat/ChatCommand.hpp"

namespace uvreactor::protocols::chat {
namespace {

// An event rendered at most once per renderer during one delivery.
class RenderedOnce {
 public:
  explicit RenderedOnce(const RoomEvent& event) : event_(event) {}
  const Payload& forRenderer(const RoomEventRenderer* renderer) {
    for (std::size_t i = 0; i < used_; ++i) {
      if (slots_[i].first == renderer) return slots_[i].second;
    }
    if (used_ == slots_.size()) {  // more front ends than slots: render again
      spare_ = renderer->render(event_);
      return spare_;
    }
    slots_[used_] = {renderer, renderer->render(event_)};
    return slots_[used_++].second;
  }

 private:
  const RoomEvent& event_;
  std::array<std::pair<const RoomEventRenderer*, Payload>, 4> slots_;
  std::size_t used_ = 0;
  Payload spare_;
};

}  // namespace

void ChatRoomService::attach(RoomBackplane* backplane, std::string_view serverTag) {
  backplane_ = backplane;
  guestSuffix_.clear();
  if (backplane != nullptr) guestSuffix_.append("-").append(serverTag);
  shared_ = backplane != nullptr && backplane->shared();
}

std::string ChatRoomService::guestNick() {
  std::string nick;
  do {
    nick = "guest" + std::to_string(nextGuest_++) + guestSuffix_;
  } while (byNick_.count(nick) != 0 || pendingNicks_.count(nick) != 0);  // taken by /nick
  return nick;
}

Member& ChatRoomService::join(Connection& connection, const RoomEventRenderer& renderer) {
  std::string nick = guestNick();
  auto owned = std::make_unique<Member>(
      Member{nextId_++, nick, std::string(kLobby), &connection, &renderer});
  Member& member = *owned;
  byId_.emplace(member.id, &member);
  byNick_.emplace(std::move(nick), std::move(owned));
  enterRoom(member, /*tellIfLocal=*/false);
  if (backplane_ != nullptr) claimGuestNick(member);
  return member;
}

void ChatRoomService::tellIfLocal(Member& member) {
  if (backplane_ == nullptr || shared_) return;
  RoomEvent local{RoomEventKind::RoomLocal, member.room, {}, {}, {}};
  member.connection->send(member.renderer->render(local));
}

void ChatRoomService::leave(Member& member, std::string_view reason) {
  removeFromRoom(member);
  RoomEvent left{RoomEventKind::Left, member.room, member.nick, reason, {}};
  deliver(left, &member);
  if (backplane_ != nullptr) {
    if (shared_) backplane_->publish(left);
    backplane_->memberGone(member.nick);
    backplane_->releaseNick(member.nick);
  }
  byId_.erase(member.id);
  byNick_.erase(member.nick);  // destroys `member`
}

void ChatRoomService::say(Member& member, RoomEventKind kind, std::string_view text) {
  RoomEvent event{kind, member.room, member.nick, text, {}};
  deliver(event, &member);
  if (shared_) backplane_->publish(event);
}

void ChatRoomService::moveTo(Member& member, std::string_view room) {
  removeFromRoom(member);
  RoomEvent left{RoomEventKind::Left, member.room, member.nick, {}, {}};
  deliver(left, &member);
  if (shared_) backplane_->publish(left);
  member.room = std::string(room);
  enterRoom(member, /*tellIfLocal=*/true);
}

// Seats the member, opens the room on the backplane if it is new here, and
// tells the room (and the member, if the room cannot reach other servers).
void ChatRoomService::enterRoom(Member& member, bool tellIfLocal) {
  auto [it, created] = rooms_.try_emplace(member.room);
  it->second.push_back(Seat{&member, member.connection, member.renderer});
  RoomEvent joined{RoomEventKind::Joined, member.room, member.nick, {}, {}};
  deliver(joined, &member);
  if (backplane_ == nullptr) return;
  if (created) backplane_->roomOpened(member.room);
  backplane_->memberAt(member.nick, member.room);
  if (shared_) {
    backplane_->publish(joined);
  } else if (tellIfLocal) {
    this->tellIfLocal(member);
  }
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
  if (list.empty()) {
    rooms_.erase(it);
    if (backplane_ != nullptr) backplane_->roomClosed(member.room);
  }
}

void ChatRoomService::deliver(const RoomEvent& event, const Member* except) {
  auto it = rooms_.find(event.room);
  if (it == rooms_.end()) return;
  RenderedOnce rendered(event);
  // A send may abort a slow consumer, whose onClose (and so leave()) runs
  // later from its close callback, never during this loop.
  for (const Seat& seat : it->second) {
    if (seat.member == except) continue;
    const Payload& bytes = rendered.forRenderer(seat.renderer);
    if (!bytes.empty()) seat.connection->send(bytes);
  }
}

void ChatRoomService::rename(Member& member, std::string_view nick,
                             std::function<void(RenameResult, std::string_view)> done) {
  if (!isValidName(nick)) return done(RenameResult::Invalid, nick);
  if (nick == member.nick) return done(RenameResult::Ok, nick);
  std::string wanted(nick);
  if (byNick_.count(wanted) != 0 || pendingNicks_.count(wanted) != 0)
    return done(RenameResult::Taken, nick);
  if (backplane_ == nullptr) {
    applyRename(member, wanted);
    return done(RenameResult::Ok, nick);
  }
  pendingNicks_.emplace(wanted, member.id);
  backplane_->claimNick(wanted, [this, id = member.id, wanted, done](bool granted) {
    pendingNicks_.erase(wanted);
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
  auto node = byNick_.extract(old);
  member.nick = nick;
  node.key() = nick;
  byNick_.insert(std::move(node));
  RoomEvent renamed{RoomEventKind::Renamed, member.room, old, member.nick, {}};
  deliver(renamed, &member);
  if (backplane_ == nullptr) return;
  if (shared_) backplane_->publish(renamed);
  backplane_->memberGone(old);
  backplane_->memberAt(member.nick, member.room);
  backplane_->releaseNick(old);
}

// A guest nick carries the server's tag, so only another program (or a user
// who typed it elsewhere) can hold it; then the member gets another.
void ChatRoomService::claimGuestNick(Member& member) {
  backplane_->claimNick(member.nick, [this, id = member.id, nick = member.nick](bool granted) {
    Member* m = findById(id);
    if (!granted && m != nullptr && m->nick == nick) nickLost(nick);
  });
}

void ChatRoomService::nickLost(std::string_view nick) {
  Member* member = findByNick(nick);
  if (member == nullptr) return;
  std::string guest = guestNick();
  applyRename(*member, guest);
  // The member hears it too: the nick it typed is no longer its own.
  RoomEvent renamed{RoomEventKind::Renamed, member->room, nick, guest, {}};
  member->connection->send(member->renderer->render(renamed));
  claimGuestNick(*member);
}

void ChatRoomService::sendPrivate(Member& from, std::string_view target, std::string_view text,
                                  std::function<void(bool)> done) {
  RoomEvent event{RoomEventKind::Private, {}, from.nick, text, target};
  if (Member* to = findByNick(target)) {
    to->connection->send(to->renderer->render(event));
    return done(true);
  }
  if (!shared_) return done(false);
  backplane_->sendPrivate(event, [this, id = from.id, done](bool delivered) {
    if (findById(id) != nullptr) done(delivered);
  });
}

void ChatRoomService::who(Member& asker, std::string_view room,
                          std::function<void(const std::vector<std::string>&, bool)> done) {
  std::vector<std::string> nicks;
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    for (const Seat& seat : it->second) nicks.push_back(seat.member->nick);
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
        if (at == room) nicks.push_back(nick);
      }
    }
    std::sort(nicks.begin(), nicks.end());
    done(nicks, remote != nullptr);
  });
}

void ChatRoomService::listRooms(
    Member& asker,
    std::function<void(const std::vector<std::pair<std::string, std::size_t>>&, bool)> done) {
  std::map<std::string, std::size_t, std::less<>> counts;
  for (const auto& [name, seats] : rooms_) counts[name] = seats.size();
  auto finish = [done](const std::map<std::string, std::size_t, std::less<>>& all, bool complete) {
    std::vector<std::pair<std::string, std::size_t>> out(all.begin(), all.end());
    done(out, complete);
  };
  if (!shared_) return finish(counts, backplane_ == nullptr);
  backplane_->listRemote([this, id = asker.id, counts = std::move(counts),
                          finish](const RoomBackplane::Directory* remote) mutable {
    if (findById(id) == nullptr) return;
    if (remote != nullptr) {
      for (const auto& entry : *remote) ++counts[entry.second];
    }
    finish(counts, remote != nullptr);
  });
}

void ChatRoomService::deliverRemote(const RoomEvent& event) {
  if (event.kind == RoomEventKind::Private) {
    if (Member* to = findByNick(event.target)) to->connection->send(to->renderer->render(event));
    return;
  }
  if (event.kind == RoomEventKind::RoomLocal || event.kind == RoomEventKind::RoomShared) return;
  deliver(event, nullptr);
}

// One notice per room and transition, to its local members.
void ChatRoomService::setShared(bool shared) {
  if (shared == shared_) return;
  shared_ = shared;
  for (const auto& [name, seats] : rooms_) {
    deliver(
        RoomEvent{shared ? RoomEventKind::RoomShared : RoomEventKind::RoomLocal, name, {}, {}, {}},
        nullptr);
  }
}

Member* ChatRoomService::findByNick(std::string_view nick) {
  auto it = byNick_.find(std::string(nick));
  return it == byNick_.end() ? nullptr : it->second.get();
}

Member* ChatRoomService::findById(uint64_t id) {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : it->second;
}

std::vector<std::string> ChatRoomService::localRooms() const {
  std::vector<std::string> out;
  for (const auto& entry : rooms_) out.push_back(entry.first);
  return out;
}

std::vector<std::pair<std::string, std::string>> ChatRoomService::localMembers() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [nick, member] : byNick_) out.emplace_back(nick, member->room);
  return out;
}

}  // namespace uvreactor::protocols::chat
