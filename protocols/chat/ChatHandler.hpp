// ChatHandler: one chat client's session: line framing, commands, and its
// membership in the shared ChatRoomService.
//
// Replies: notices start with "* ", errors with "! ", room lines are
// "NICK: text", private lines "[private] NICK: text". A line over the limit
// gets "! line too long" and the connection is closed. A client that vanishes
// is announced as having left, exactly like one that sent /quit.
#pragma once

#include <cstddef>
#include <string>

#include "chat/ChatCommand.hpp"
#include "chat/ChatRoomService.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/LineCodec.hpp"

namespace uvreactor::protocols::chat {

class ChatHandler final : public ConnectionHandler {
 public:
  ChatHandler(ChatRoomService& service, std::size_t maxLineLength);

  void onOpen(Connection& connection) override;
  void onData(Connection& connection, std::string_view bytes) override;
  void onEof(Connection& connection) override;
  void onClose(Connection& connection, const Error& reason) override;

  // The handler's nick, for tests; empty before onOpen and after onClose.
  std::string nick() const { return member_ != nullptr ? member_->nick : std::string(); }

 private:
  // Returns false once the session is over (no more lines are read).
  bool handleLine(Connection& connection, std::string_view line);
  void reply(Connection& connection, std::string_view prefix, std::string_view text);
  void rename(Connection& connection, std::string_view nick);
  void join(Connection& connection, std::string_view room);
  // /rooms, /who and /msg: answered when the service (maybe the other
  // servers) has.
  void listRooms(Connection& connection);
  void listMembers(Connection& connection);
  void sendPrivate(Connection& connection, std::string_view target, std::string_view text);
  void leaveRoom();
  void endSession(Connection& connection);

  ChatRoomService& service_;
  LineCodec codec_;
  Member* member_ = nullptr;
  std::string scratch_;  // reused to build replies without a fresh allocation
};

HandlerFactory makeChatFactory(ChatRoomService& service, std::size_t maxLineLength);

}  // namespace uvreactor::protocols::chat
