// RoomEventRenderer: one protocol front end's wire format for room events.
//
// The room service renders an event at most once per renderer however many
// members receive it, and shares the result (Payload). A renderer is owned
// by whoever wires the server and outlives every member that uses it.
// Loop-thread only.
#pragma once

#include "chat/RoomEvent.hpp"
#include "uvreactor/Payload.hpp"

namespace uvreactor::protocols::chat {

class RoomEventRenderer {
 public:
  virtual ~RoomEventRenderer() = default;
  // The bytes a member receives for `event`, complete lines; may be empty
  // (an event this front end does not show).
  virtual Payload render(const RoomEvent& event) const = 0;
};

}  // namespace uvreactor::protocols::chat
