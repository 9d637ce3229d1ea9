// Room: one chat room open on this server: its local members, its topic,
// its modes (topic lock, secret) and its moderation marks (operators,
// voice), and the broadcast of an event to its members.
//
// The room knows only this server's members; other servers' members reach
// it as events (ChatRoomService::deliverRemote). Marks are by member id and
// go when the member leaves the room. Owned by ChatRoomService; a Member
// pointer here is valid while the member is seated. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "chat/Member.hpp"
#include "chat/RoomEvent.hpp"
#include "chat/RoomEventRenderer.hpp"

namespace uvreactor::protocols::chat {

struct RoomTopic {
  std::string text;
  std::string setBy;
  uint64_t setAtSeconds = 0;
};

class Room {
 public:
  // `name` as spelled by the member who opened it, who operates it.
  Room(std::string name, const Member& creator);

  const std::string& name() const { return name_; }
  bool empty() const { return seats_.empty(); }
  std::size_t size() const { return seats_.size(); }
  // This server's members, in no particular order.
  const std::vector<Member*>& members() const { return members_; }

  void seat(Member& member);
  // Takes the member out with its marks; nothing if it was not seated.
  void unseat(const Member& member);

  // Sends `event` to every member but `except`, rendered once per renderer.
  void deliver(const RoomEvent& event, const Member* except) const;
  // Sends to each member `wanted` accepts, rendering through `rendered`
  // (which may be shared by several rooms' deliveries).
  // A send may abort a slow consumer, whose onClose (and so leave()) runs
  // later from its close callback, never during this loop.
  template <class Wanted>
  void deliver(RenderedOnce& rendered, Wanted&& wanted) const {
    for (const Seat& seat : seats_) {
      if (!wanted(*seat.member)) continue;
      const Payload& bytes = rendered.forRenderer(seat.renderer);
      if (!bytes.empty()) seat.connection->send(bytes);
    }
  }

  const RoomTopic& topic() const { return topic_; }
  void setTopic(RoomTopic topic) { topic_ = std::move(topic); }

  bool isOperator(const Member& member) const { return operators_.count(member.id) != 0; }
  void setOperator(const Member& member, bool on) { mark(operators_, member.id, on); }
  bool isVoiced(const Member& member) const { return voiced_.count(member.id) != 0; }
  void setVoiced(const Member& member, bool on) { mark(voiced_, member.id, on); }
  // A locked topic (the default) may be set by operators only.
  bool topicLocked() const { return topicLocked_; }
  void lockTopic(bool on) { topicLocked_ = on; }
  // Left out of listings for non-members.
  bool secret() const { return secret_; }
  void makeSecret(bool on) { secret_ = on; }

 private:
  // The members with their connections and renderers side by side: a
  // broadcast walks this array alone (one cache miss less per recipient).
  struct Seat {
    Member* member;
    Connection* connection;
    const RoomEventRenderer* renderer;
  };
  static void mark(std::unordered_set<uint64_t>& marks, uint64_t id, bool on);

  std::string name_;
  std::vector<Seat> seats_;
  std::vector<Member*> members_;  // the same, for lookups by front ends
  RoomTopic topic_;
  std::unordered_set<uint64_t> operators_;  // member ids
  std::unordered_set<uint64_t> voiced_;
  bool topicLocked_ = true;
  bool secret_ = false;
};

}  // namespace uvreactor::protocols::chat
