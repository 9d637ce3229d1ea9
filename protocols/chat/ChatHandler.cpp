#include "chat/ChatHandler.hpp"

#include "chat/LineChatRenderer.hpp"
#include "chat/Names.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::protocols::chat {
namespace {
constexpr std::string_view kHelp =
    "* commands: /nick NAME, /join ROOM, /rooms, /who, /msg NICK text, /me action, /help, /quit\n"
    "* a plain line is sent to everyone else in your room; start it with // to say /...\n";

// Lines a peer can cause, each limited process-wide; what is still
// unreported is summed up at exit.
LogRateLimit& protocolErrorLog() {
  static LogRateLimit limit;
  return limit;
}
LogRateLimit& refusalLog() {
  static LogRateLimit limit;
  return limit;
}
}  // namespace

ChatHandler::ChatHandler(ChatRoomService& service, std::size_t maxLineLength)
    : service_(service), codec_(maxLineLength) {}

HandlerFactory makeChatFactory(ChatRoomService& service, std::size_t maxLineLength) {
  return [&service, maxLineLength](Connection&) {
    return std::make_unique<ChatHandler>(service, maxLineLength);
  };
}

void ChatHandler::reply(Connection& connection, std::string_view prefix, std::string_view text) {
  scratch_.assign(prefix);
  scratch_.append(text);
  scratch_.push_back('\n');
  connection.send(scratch_);
}

void ChatHandler::onOpen(Connection& connection) {
  member_ = &service_.join(connection, LineChatRenderer::instance());
  reply(connection, "* ",
        "welcome to uvreactor chat, you are " + member_->nick + " in room " + member_->room() +
            "; type /help for commands");
  service_.tellIfLocal(*member_);
}

void ChatHandler::onData(Connection& connection, std::string_view bytes) {
  Error e = codec_.feed(bytes, [&](std::string_view line) { return handleLine(connection, line); });
  if (e) {
    protocolErrorLog().log(LogLevel::Info,
                           "chat " + connection.peer().toString() + ": " + e.message());
    reply(connection, "! ",
          "line too long (limit " + std::to_string(codec_.maxLineLength()) + " bytes); closing");
    endSession(connection);
  }
}

void ChatHandler::onEof(Connection& connection) {
  // The client will send nothing more: the session ends as with /quit.
  endSession(connection);
}

void ChatHandler::onClose(Connection&, const Error&) {
  leaveRoom();
}

void ChatHandler::leaveRoom() {
  if (member_ == nullptr) return;
  service_.leave(*member_);
  member_ = nullptr;
}

void ChatHandler::endSession(Connection& connection) {
  // The room hears at once, not when the socket finally closes (a graceful
  // close may wait for the peer's FIN).
  leaveRoom();
  connection.close();
}

namespace {
std::string incompleteNote(bool complete) {
  return complete ? std::string() : " (this server only: the link to other servers is down)";
}
}  // namespace

void ChatHandler::rename(Connection& connection, std::string_view nick) {
  if (!isValidName(nick)) {  // line chat's own, stricter rule
    reply(connection, "! ", "invalid nick: use 1-32 letters, digits, _ or -");
    return;
  }
  service_.rename(*member_, nick,
                  [this, &connection](ChatRoomService::RenameResult result, std::string_view n) {
                    switch (result) {
                      case ChatRoomService::RenameResult::Invalid:
                        reply(connection, "! ", "invalid nick: use 1-32 letters, digits, _ or -");
                        break;
                      case ChatRoomService::RenameResult::Taken:
                        reply(connection, "! ", "nick " + std::string(n) + " is taken");
                        break;
                      case ChatRoomService::RenameResult::Ok:
                        reply(connection, "* ", "you are now " + std::string(n));
                        break;
                    }
                  });
}

void ChatHandler::join(Connection& connection, std::string_view room) {
  if (!isValidName(room)) {
    reply(connection, "! ", "invalid room name: use 1-32 letters, digits, _ or -");
    return;
  }
  if (sameName(room, member_->room())) {
    reply(connection, "! ", "you are already in " + member_->room());
    return;
  }
  switch (service_.moveTo(*member_, room)) {
    case ChatRoomService::EnterResult::Entered:
      break;
    case ChatRoomService::EnterResult::AlreadyIn:
      return;
    case ChatRoomService::EnterResult::MemberFull:  // only with a limit of 0 rooms, never here
      reply(connection, "! ", "you are in too many rooms");
      return;
    case ChatRoomService::EnterResult::ServerFull:
      refusalLog().log(LogLevel::Info, "chat " + connection.peer().toString() + ": room " +
                                           std::string(room) + " refused, server room limit " +
                                           std::to_string(service_.limits().total) + " reached");
      reply(connection, "! ",
            "cannot open room " + std::string(room) + ": this server has its limit of " +
                std::to_string(service_.limits().total) + " rooms; join an existing one (/rooms)");
      return;
  }
  service_.who(*member_, member_->room(),
               [this, &connection, room = member_->room()](const auto& nicks, bool) {
                 reply(connection, "* ",
                       "you joined " + room + " (" + std::to_string(nicks.size()) + " members)");
               });
}

void ChatHandler::listRooms(Connection& connection) {
  service_.listRooms(*member_, [this, &connection](const auto& rooms, bool complete) {
    std::string text = "rooms:";
    const char* sep = " ";
    for (const auto& [name, count] : rooms) {
      text.append(sep).append(name).append(" (").append(std::to_string(count)).append(")");
      sep = ", ";
    }
    reply(connection, "* ", text + incompleteNote(complete));
  });
}

void ChatHandler::listMembers(Connection& connection) {
  service_.who(*member_, member_->room(),
               [this, &connection, room = member_->room()](const auto& nicks, bool complete) {
                 std::string text = "in " + room + ":";
                 const char* sep = " ";
                 for (const auto& nick : nicks) {
                   text.append(sep).append(nick);
                   sep = ", ";
                 }
                 reply(connection, "* ", text + incompleteNote(complete));
               });
}

void ChatHandler::sendPrivate(Connection& connection, std::string_view target,
                              std::string_view text) {
  service_.sendPrivate(*member_, target, text,
                       [this, &connection, target = std::string(target)](bool sent) {
                         if (sent)
                           reply(connection, "* ", "private message sent to " + target);
                         else
                           reply(connection, "! ", "no such nick: " + target);
                       });
}

bool ChatHandler::handleLine(Connection& connection, std::string_view line) {
  if (!connection.isOpen() || member_ == nullptr) return false;
  ChatCommand command = parseChatCommand(line);
  switch (command.kind) {
    case CommandKind::Empty:
      break;
    case CommandKind::Say:
      service_.say(*member_, RoomEventKind::Said, command.argument);
      break;
    case CommandKind::Me:
      service_.say(*member_, RoomEventKind::Acted, command.argument);
      break;
    case CommandKind::Nick:
      rename(connection, command.argument);
      break;
    case CommandKind::Join:
      join(connection, command.argument);
      break;
    case CommandKind::Rooms:
      listRooms(connection);
      break;
    case CommandKind::Who:
      listMembers(connection);
      break;
    case CommandKind::Msg:
      sendPrivate(connection, command.target, command.argument);
      break;
    case CommandKind::Help:
      connection.send(kHelp);
      break;
    case CommandKind::Quit:
      reply(connection, "* ", "goodbye");
      endSession(connection);
      return false;
    case CommandKind::Unknown:
      reply(connection, "! ",
            "unknown command /" + std::string(command.argument) + "; type /help for commands");
      break;
    case CommandKind::Usage:
      reply(connection, "! ", "usage: " + std::string(command.usage));
      break;
  }
  return connection.isOpen();
}

}  // namespace uvreactor::protocols::chat
