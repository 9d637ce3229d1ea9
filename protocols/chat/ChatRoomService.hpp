// ChatRoomService: the shared state of one chat server: who is connected,
// their nicks, and which room each is in.
//
// One instance per server, owned by whoever wires the server (it outlives
// the listener). Handlers register their connection on open and leave on
// close, so a Member's Connection pointer is valid while it is registered.
// Messages to a room are built once and shared (Payload) by every recipient.
// Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "uvreactor/Connection.hpp"
#include "uvreactor/Payload.hpp"

namespace uvreactor::protocols::chat {

struct Member {
  std::string nick;
  std::string room;
  Connection* connection;
};

class ChatRoomService {
 public:
  static constexpr std::string_view kLobby = "lobby";

  // Registers a new member with a fresh guestN nick in the lobby.
  Member& join(Connection& connection);
  void leave(Member& member);

  enum class RenameResult { Ok, Invalid, Taken };
  RenameResult rename(Member& member, std::string_view nick);
  // Moves `member` to `room` (created on first use, removed when empty).
  void moveTo(Member& member, std::string_view room);

  // Sends `line` (already terminated) to every member of `room` but `except`.
  // One buffer, however many members.
  void broadcast(std::string_view room, const Payload& line, const Member* except);

  Member* findByNick(std::string_view nick);
  // Rooms in name order with their member counts.
  std::vector<std::pair<std::string, std::size_t>> rooms() const;
  // Nicks in `room`, sorted.
  std::vector<std::string> nicksIn(std::string_view room) const;
  std::size_t memberCount() const { return byNick_.size(); }

 private:
  void removeFromRoom(Member& member);

  // A room's members with their connections side by side: a broadcast
  // walks this array alone, not each Member (one cache miss less per
  // recipient, which shows at 1000 members).
  struct Seat {
    Member* member;
    Connection* connection;
  };
  uint64_t nextGuest_ = 1;
  std::unordered_map<std::string, std::unique_ptr<Member>> byNick_;  // owns the members
  std::map<std::string, std::vector<Seat>, std::less<>> rooms_;
};

}  // namespace uvreactor::protocols::chat
