// Internal: how many of a handler's callbacks are on the stack, and whether
// the handler's end (onClose, destruction) waits for the outermost to
// return. A connection orphaned from inside its own handler's callback must
// not destroy the handler under it. Pure: unit-tested alone.
#pragma once

#include <cstdint>

namespace uvreactor::detail {

class HandlerDispatch {
 public:
  void enter() { ++depth_; }
  // True if this was the outermost callback and the handler's end waited
  // for it: the caller ends the handler now.
  bool leave() { return --depth_ == 0 && endPending_; }
  bool inCallback() const { return depth_ != 0; }
  void deferEnd() { endPending_ = true; }
  void endDone() { endPending_ = false; }

 private:
  uint8_t depth_ = 0;  // handler callbacks on the stack
  bool endPending_ = false;
};

}  // namespace uvreactor::detail
