// ChatRoomService: the rooms of one chat server: who is connected, their
// nicks, which rooms each is in, the rooms' topics, and the events between
// them.
//
// Protocol-neutral: front ends (line chat, IRC) register members with their
// renderer and call say/enterRoom/rename...; the service emits RoomEvents,
// rendered once per renderer and shared (Payload) by every recipient. A
// line-chat member is in exactly one room; an IRC member in any number.
// Events about a member rather than a room (Quit, Renamed) reach each
// member sharing a room with it once. Nicks and rooms compare in the
// rfc1459 case mapping (Names.hpp) and keep the spelling first used.
//
// With a RoomBackplane attached, rooms span servers: local members hear an
// event first, then it is published; other servers' events arrive through
// deliverRemote; nicks are claimed across servers; /who, /rooms and private
// messages reach the other servers. Answers that may need the backplane
// arrive through a callback, which is dropped if the member has left by then.
//
// Its parts, each with its own state: the rooms open here (Room.hpp), the
// members by nick and id (NickRegistry.hpp), other servers' member-wide
// events already told (ToldOnceFilter.hpp); the cross-server listings are
// merged by RoomListing.hpp. The service ties them to the front ends and
// the backplane.
//
// One instance per server, owned by whoever wires the server (it outlives
// the listeners and the backplane). A Member's Connection pointer is valid
// while it is registered. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/Member.hpp"
#include "chat/NickRegistry.hpp"
#include "chat/Room.hpp"
#include "chat/RoomBackplane.hpp"
#include "chat/RoomEventRenderer.hpp"
#include "chat/ToldOnceFilter.hpp"
#include "uvreactor/Connection.hpp"

namespace uvreactor::protocols::chat {

// What one peer can make the server hold in rooms: each room costs memory,
// a backplane subscription and time in every listing.
struct RoomLimits {
  // Rooms one member may be in at once (IRC's CHANLIMIT); at least 1.
  std::size_t perMember = 20;
  // Rooms open on this server at once; 0: no limit. The lobby is always
  // open to a newcomer, whatever the count.
  std::size_t total = 10000;
};

class ChatRoomService {
 public:
  static constexpr std::string_view kLobby = "lobby";

  explicit ChatRoomService(RoomLimits limits = {}) : limits_(limits) {}
  // Applies to the rooms entered from now on (no one is removed).
  void setLimits(RoomLimits limits) { limits_ = limits; }
  const RoomLimits& limits() const { return limits_; }

  // Links the rooms to other servers; `serverTag` (1-8 of [a-z0-9]) makes
  // guest nicks unique across servers. nullptr detaches.
  void attach(RoomBackplane* backplane, std::string_view serverTag);

  // Registers a new member: with `nick` if it is free here (else, or when
  // empty, a fresh guest nick), in the lobby if `enterLobby` (a line-chat
  // member, always in exactly one room), and tells that room. The front end greets the member, then
  // calls tellIfLocal.
  Member& join(Connection& connection, const RoomEventRenderer& renderer,
               std::string_view nick = {}, std::string_view origin = {}, bool enterLobby = true);
  // Tells the member its rooms are local-only, if they are (link down).
  // Nothing while the backplane's first attempt is under way: setShared
  // tells everyone if it fails.
  void tellIfLocal(Member& member);
  // The member leaves the server (Quit, with an optional reason) and is
  // forgotten.
  void leave(Member& member, std::string_view reason = {});
  // Said, Acted or Noticed, to everyone else in `room` (the member's one
  // room when empty).
  void say(Member& member, RoomEventKind kind, std::string_view text, std::string_view room = {});
  // Enters `room` (created on first use), unless the member is already in
  // it, is in limits().perMember rooms, or the room is new and the server
  // has limits().total rooms open.
  enum class EnterResult { Entered, AlreadyIn, MemberFull, ServerFull };
  EnterResult enterRoom(Member& member, std::string_view room);
  // Leaves `room` (removed when empty), telling it; false if not in it.
  bool leaveRoom(Member& member, std::string_view room, std::string_view reason = {});
  // Line chat: leaves the member's one room for `room`; on any result but
  // Entered the member stays where it was.
  EnterResult moveTo(Member& member, std::string_view room);
  void setTopic(Member& member, std::string_view room, std::string_view text);
  // Tells the room (the member included) that `member` changed its mode.
  void announceMode(Member& member, std::string_view room, std::string_view change,
                    std::string_view target = {});

  enum class RenameResult { Ok, Invalid, Taken };
  void rename(Member& member, std::string_view nick,
              std::function<void(RenameResult, std::string_view nick)> done);
  // Private or PrivateNotice; `done(false)`: no such nick here or on any server.
  void sendPrivate(Member& from, std::string_view target, std::string_view text,
                   std::function<void(bool delivered)> done,
                   RoomEventKind kind = RoomEventKind::Private);
  // Nicks in `room`, sorted; `complete` false when other servers could not
  // be asked.
  void who(Member& asker, std::string_view room,
           std::function<void(const std::vector<std::string>& nicks, bool complete)> done);
  // Rooms in name order with their member counts.
  void listRooms(
      Member& asker,
      std::function<void(const std::vector<std::pair<std::string, std::size_t>>&, bool complete)>
          done);

  // From the backplane: another server's (`server`) event; the link's
  // state; a nick this server held that another server now holds (its
  // member is renamed).
  void deliverRemote(const RoomEvent& event, std::string_view server = {});
  void setShared(bool shared);
  void nickLost(std::string_view nick);

  bool shared() const { return backplane_ != nullptr && shared_; }
  Member* findByNick(std::string_view nick) { return nicks_.findByNick(nick); }
  bool nickFree(std::string_view nick) const { return nicks_.nickFree(nick); }
  std::size_t memberCount() const { return nicks_.size(); }
  std::size_t roomCount() const { return rooms_.size(); }
  // The room open here as `room` (any case), or nullptr.
  const Room* findRoom(std::string_view room) const;
  // This server's members of `room` (nullptr: no such room here).
  const std::vector<Member*>* membersIn(std::string_view room) const {
    const Room* r = findRoom(room);
    return r == nullptr ? nullptr : &r->members();
  }
  const RoomTopic* topicOf(std::string_view room) const {
    const Room* r = findRoom(room);
    return r == nullptr ? nullptr : &r->topic();
  }
  // Room moderation (Room.hpp), by room name; false or nothing when no
  // such room is open here. The member who creates a room operates it and
  // may give that to others.
  bool isOperator(const Member& member, std::string_view room) const {
    const Room* r = findRoom(room);
    return r != nullptr && r->isOperator(member);
  }
  void setOperator(std::string_view room, const Member& member, bool on) {
    if (Room* r = findRoom(room)) r->setOperator(member, on);
  }
  bool topicLocked(std::string_view room) const {
    const Room* r = findRoom(room);
    return r != nullptr && r->topicLocked();
  }
  void lockTopic(std::string_view room, bool on) {
    if (Room* r = findRoom(room)) r->lockTopic(on);
  }
  bool isVoiced(const Member& member, std::string_view room) const {
    const Room* r = findRoom(room);
    return r != nullptr && r->isVoiced(member);
  }
  void setVoiced(std::string_view room, const Member& member, bool on) {
    if (Room* r = findRoom(room)) r->setVoiced(member, on);
  }
  bool isSecret(std::string_view room) const {
    const Room* r = findRoom(room);
    return r != nullptr && r->secret();
  }
  void makeSecret(std::string_view room, bool on) {
    if (Room* r = findRoom(room)) r->makeSecret(on);
  }
  // An operator of `room` removes `target` (here or on another server)
  // from it, saying `reason`; the room, target included, hears it. A
  // line-chat member goes back to the lobby (kicked from the lobby, it is
  // disconnected). `done` runs once the outcome is known; dropped if `by`
  // has left by then.
  enum class KickResult { Kicked, NotInRoom, NotOperator, NoSuchMember };
  void kick(Member& by, std::string_view room, std::string_view target, std::string_view reason,
            std::function<void(KickResult)> done);
  bool inRoom(const Member& member, std::string_view room) const;
  // Every local member, for front ends answering masks (IRC WHO).
  template <class Fn>
  void forEachMember(Fn&& fn) const {
    nicks_.forEach(fn);
  }
  // The room's spelling as created, or `room` itself.
  std::string_view roomName(std::string_view room) const {
    const Room* r = findRoom(room);
    return r == nullptr ? room : std::string_view(r->name());
  }
  // Local members as (nick, rooms joined by ','), for a backplane.
  std::vector<std::pair<std::string, std::string>> localMembers() const;

  // Sends `event` to every member of its room but `except`: rendered once
  // per renderer, however many members.
  void deliver(const RoomEvent& event, const Member* except);

 private:
  Room* findRoom(std::string_view room);
  // One event to one member, rendered for it alone.
  static void tell(Member& member, const RoomEvent& event);
  bool noRoomFor(std::string_view room, std::size_t freed) const;
  void seat(Member& member, std::string_view room, bool tellIfLocal);
  void unseat(Member& member, std::string_view room);
  std::string roomsOf(const Member& member) const;
  // Quit and Renamed: once to each member sharing a room with `member`.
  void deliverToCompany(const RoomEvent& event, const Member& member);
  void announceKick(Member& by, const std::string& room, std::string_view target,
                    std::string_view reason);
  void removeKicked(Member& member, const std::string& room);
  void applyRename(Member& member, const std::string& nick);
  void claimNick(Member& member);
  // Another server's Quit or Renamed (published once per room), told once
  // to each local member.
  void deliverMemberWide(const RoomEvent& event, std::string_view server);

  RoomLimits limits_;
  RoomBackplane* backplane_ = nullptr;
  bool shared_ = false;
  bool linkKnown_ = false;  // the backplane has reported its first outcome
  NickRegistry nicks_;
  std::map<std::string, Room, std::less<>> rooms_;  // folded name
  ToldOnceFilter toldOnce_;
};

}  // namespace uvreactor::protocols::chat
