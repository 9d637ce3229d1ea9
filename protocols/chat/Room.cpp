#include "chat/Room.hpp"

#include <algorithm>

namespace uvreactor::protocols::chat {

Room::Room(std::string name, const Member& creator) : name_(std::move(name)) {
  operators_.insert(creator.id);
}

void Room::seat(Member& member) {
  seats_.push_back(Seat{&member, member.connection, member.renderer});
  members_.push_back(&member);
}

void Room::unseat(const Member& member) {
  auto seatAt = std::find_if(seats_.begin(), seats_.end(),
                             [&](const Seat& s) { return s.member == &member; });
  if (seatAt != seats_.end()) {
    *seatAt = seats_.back();  // order within a room does not matter
    seats_.pop_back();
  }
  members_.erase(std::remove(members_.begin(), members_.end(), &member), members_.end());
  operators_.erase(member.id);
  voiced_.erase(member.id);
}

void Room::deliver(const RoomEvent& event, const Member* except) const {
  RenderedOnce rendered(event);
  deliver(rendered, [except](const Member& m) { return &m != except; });
}

void Room::mark(std::unordered_set<uint64_t>& marks, uint64_t id, bool on) {
  if (on) {
    marks.insert(id);
  } else {
    marks.erase(id);
  }
}

}  // namespace uvreactor::protocols::chat
