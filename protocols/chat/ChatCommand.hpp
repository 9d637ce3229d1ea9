// ChatCommand: parses one chat line into what the user asked for.
//
// Pure and allocation-free (views into the line), so it is unit-tested and
// fuzzed on its own. A line that does not start with '/' is something to say;
// "//text" says "/text".
#pragma once

#include <string_view>

namespace uvreactor::protocols::chat {

enum class CommandKind { Say, Nick, Join, Rooms, Who, Msg, Me, Help, Quit, Unknown, Usage, Empty };

struct ChatCommand {
  CommandKind kind = CommandKind::Empty;
  std::string_view argument;  // Say: text; Nick/Join: name; Msg/Me: text; Unknown: command word
  std::string_view target;    // Msg: the nick
  std::string_view usage;     // Usage: how to call the command that was misused
};

ChatCommand parseChatCommand(std::string_view line);

// Nicks and room names: 1-32 of [A-Za-z0-9_-].
constexpr std::size_t kMaxNameLength = 32;
bool isValidName(std::string_view name);

}  // namespace uvreactor::protocols::chat
