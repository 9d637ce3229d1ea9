// OperatorCommand: one line the operator typed, parsed into what it asks.
//
//   TEXT          reply to the client that spoke last
//   @N TEXT       reply to client N          @all TEXT   reply to everyone
//   /who          list the clients           /kick N     close client N
//   /help         list these
// "//TEXT" and "@@TEXT" send TEXT with one leading '/' or '@' (so a reply
// may start with either). An empty line does nothing. Anything else that
// starts with '/' or '@' is Invalid, with a one-line error saying why.
// Pure (views into the line); any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uvreactor::protocols::console {

enum class OperatorAction { Nothing, ReplyLast, ReplyTo, ReplyAll, Who, Kick, Help, Invalid };

struct OperatorCommand {
  OperatorAction action = OperatorAction::Nothing;
  uint64_t client = 0;    // ReplyTo, Kick
  std::string_view text;  // the replies
  std::string error;      // Invalid
};

OperatorCommand parseOperatorCommand(std::string_view line);

// The /help text, one command per line.
extern const char* const kOperatorHelp;

}  // namespace uvreactor::protocols::console
