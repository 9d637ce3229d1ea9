// RoomEventRenderer: one protocol front end's wire format for room events.
//
// The room service renders an event at most once per renderer however many
// members receive it, and shares the result (Payload). A renderer is owned
// by whoever wires the server and outlives every member that uses it.
// Loop-thread only.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

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

// An event rendered at most once per renderer during one delivery.
class RenderedOnce {
 public:
  explicit RenderedOnce(const RoomEvent& event) : event_(event) {}
  const Payload& forRenderer(const RoomEventRenderer* renderer) {
    // Most rooms have one front end: its slot first, without the loop.
    if (used_ != 0 && slots_[0].first == renderer) [[likely]]
      return slots_[0].second;
    for (std::size_t i = 1; i < used_; ++i) {
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

}  // namespace uvreactor::protocols::chat
