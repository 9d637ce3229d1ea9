// ChatRoomService: the rooms of one chat server: who is connected, their
// nicks, which room each is in, and the events between them.
//
// Protocol-neutral: front ends (line chat, IRC) register members with their
// renderer and call say/moveTo/rename...; the service emits RoomEvents,
// rendered once per renderer and shared (Payload) by every recipient. With a
// RoomBackplane attached, rooms span servers: local members hear an event
// first, then it is published; other servers' events arrive through
// deliverRemote; nicks are claimed across servers; /who, /rooms and private
// messages reach the other servers. Answers that may need the backplane
// arrive through a callback, which is dropped if the member has left by then.
//
// One instance per server, owned by whoever wires the server (it outlives
// the listeners and the backplane). A Member's Connection pointer is valid
// while it is registered. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat/RoomBackplane.hpp"
#include "chat/RoomEventRenderer.hpp"
#include "uvreactor/Connection.hpp"

namespace uvreactor::protocols::chat {

struct Member {
  uint64_t id;
  std::string nick;
  std::string room;
  Connection* connection;
  const RoomEventRenderer* renderer;
};

class ChatRoomService {
 public:
  static constexpr std::string_view kLobby = "lobby";

  // Links the rooms to other servers; `serverTag` (1-8 of [a-z0-9]) makes
  // guest nicks unique across servers. nullptr detaches.
  void attach(RoomBackplane* backplane, std::string_view serverTag);

  // Registers a new member with a fresh guest nick in the lobby and tells
  // the lobby. The front end greets the member, then calls tellIfLocal.
  Member& join(Connection& connection, const RoomEventRenderer& renderer);
  // Tells the member its room is local-only, if it is (the link is down).
  void tellIfLocal(Member& member);
  // Tells the room (with an optional reason) and forgets the member.
  void leave(Member& member, std::string_view reason = {});
  // Said or Acted, to everyone else in the member's room.
  void say(Member& member, RoomEventKind kind, std::string_view text);
  // Moves `member` to `room` (created on first use, removed when empty).
  void moveTo(Member& member, std::string_view room);

  enum class RenameResult { Ok, Invalid, Taken };
  void rename(Member& member, std::string_view nick,
              std::function<void(RenameResult, std::string_view nick)> done);
  // `done(false)`: no such nick here or on any server.
  void sendPrivate(Member& from, std::string_view target, std::string_view text,
                   std::function<void(bool delivered)> done);
  // Nicks in `room`, sorted; `complete` false when other servers could not
  // be asked.
  void who(Member& asker, std::string_view room,
           std::function<void(const std::vector<std::string>& nicks, bool complete)> done);
  // Rooms in name order with their member counts.
  void listRooms(
      Member& asker,
      std::function<void(const std::vector<std::pair<std::string, std::size_t>>&, bool complete)>
          done);

  // From the backplane: another server's event; the link's state; a nick
  // this server held that another server now holds (its member is renamed).
  void deliverRemote(const RoomEvent& event);
  void setShared(bool shared);
  void nickLost(std::string_view nick);

  bool shared() const { return backplane_ != nullptr && shared_; }
  Member* findByNick(std::string_view nick);
  std::size_t memberCount() const { return byNick_.size(); }
  // Local rooms with at least one member, for a backplane re-asserting them.
  std::vector<std::string> localRooms() const;
  std::vector<std::pair<std::string, std::string>> localMembers() const;

  // Sends `event` to every member of its room but `except`: rendered once
  // per renderer, however many members.
  void deliver(const RoomEvent& event, const Member* except);

 private:
  struct Seat {
    Member* member;
    Connection* connection;
    const RoomEventRenderer* renderer;
  };
  std::string guestNick();
  void enterRoom(Member& member, bool tellIfLocal);
  void removeFromRoom(Member& member);
  void applyRename(Member& member, const std::string& nick);
  void claimGuestNick(Member& member);
  Member* findById(uint64_t id);

  RoomBackplane* backplane_ = nullptr;
  bool shared_ = false;
  std::string guestSuffix_;
  uint64_t nextGuest_ = 1;
  uint64_t nextId_ = 1;
  std::unordered_map<std::string, std::unique_ptr<Member>> byNick_;  // owns the members
  std::unordered_map<uint64_t, Member*> byId_;
  std::unordered_map<std::string, uint64_t> pendingNicks_;  // claims in flight: nick -> member id
  // A room's members side by side with their connections and renderers: a
  // broadcast walks this array alone (one cache miss less per recipient).
  std::map<std::string, std::vector<Seat>, std::less<>> rooms_;
};

}  // namespace uvreactor::protocols::chat
