// IrcRenderer: room events as IRC lines, for every IRC member of a server.
//
// A room is the channel "#" + its name, so the line-chat room "lobby" is
// "#lobby" here. The source is nick!user@host where the event carries one
// ("user@host" in RoomEvent::origin), else nick!nick@<server> (members of
// other front ends or servers). /me is a CTCP ACTION. Link notices come
// from the server as NOTICEs to the channel. Parameters never carry CR,
// LF or NUL, and no line passes 512 bytes. Stateless after construction.
#pragma once

#include <string>

#include "chat/RoomEventRenderer.hpp"

namespace uvreactor::protocols::irc {

class IrcRenderer final : public chat::RoomEventRenderer {
 public:
  explicit IrcRenderer(std::string serverName) : serverName_(std::move(serverName)) {}
  Payload render(const chat::RoomEvent& event) const override;

  const std::string& serverName() const { return serverName_; }
  // "nick!user@host" for a member, as every IRC line names it.
  std::string sourceOf(std::string_view nick, std::string_view origin) const;

 private:
  std::string serverName_;
};

// "#lobby" for the room "lobby".
std::string channelOf(std::string_view room);

}  // namespace uvreactor::protocols::irc
