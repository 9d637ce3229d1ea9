// LineChatRenderer: room events as `--protocol chat` lines.
//
// "NICK: text" for what was said, "* NICK text" for /me, "[private] NICK:
// text" for a private message, "* ..." for every notice. Relayed text has
// its control characters replaced (RelayedText). Stateless; one instance
// serves every line-chat member.
#pragma once

#include "chat/RoomEventRenderer.hpp"

namespace uvreactor::protocols::chat {

class LineChatRenderer final : public RoomEventRenderer {
 public:
  Payload render(const RoomEvent& event) const override;

  static const LineChatRenderer& instance();
};

}  // namespace uvreactor::protocols::chat
