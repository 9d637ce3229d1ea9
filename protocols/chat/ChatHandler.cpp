#include "chat/ChatHandler.hpp"

#include "chat/RelayedText.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor::protocols::chat {
namespace {
constexpr std::string_view kHelp =
    "* commands: /nick NAME, /join ROOM, /rooms, /who, /msg NICK text, /me action, /help, /quit\n"
    "* a plain line is sent to everyone else in your room; start it with // to say /...\n";
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

void ChatHandler::toRoom(std::string_view text) {
  std::string line;
  line.reserve(text.size() + 1);
  line.append(text);
  line.push_back('\n');
  service_.broadcast(member_->room, Payload::adopt(std::move(line)), member_);
}

void ChatHandler::onOpen(Connection& connection) {
  member_ = &service_.join(connection);
  reply(connection, "* ",
        "welcome to uvreactor chat, you are " + member_->nick + " in room " + member_->room +
            "; type /help for commands");
  toRoom("* " + member_->nick + " joined");
}

void ChatHandler::onData(Connection& connection, std::string_view bytes) {
  Error e = codec_.feed(bytes, [&](std::string_view line) { return handleLine(connection, line); });
  if (e) {
    logLine(LogLevel::Info, "chat " + connection.peer().toString() + ": " + e.message());
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
  toRoom("* " + member_->nick + " left");
  service_.leave(*member_);
  member_ = nullptr;
}

void ChatHandler::endSession(Connection& connection) {
  // The room hears at once, not when the socket finally closes (a graceful
  // close may wait for the peer's FIN).
  leaveRoom();
  connection.close();
}

bool ChatHandler::handleLine(Connection& connection, std::string_view line) {
  if (!connection.isOpen() || member_ == nullptr) return false;
  ChatCommand command = parseChatCommand(line);
  switch (command.kind) {
    case CommandKind::Empty:
      break;
    case CommandKind::Say: {
      std::string text = member_->nick + ": ";
      appendRelayedText(text, command.argument);
      toRoom(text);
      break;
    }
    case CommandKind::Me: {
      std::string text = "* " + member_->nick + " ";
      appendRelayedText(text, command.argument);
      toRoom(text);
      break;
    }
    case CommandKind::Nick: {
      std::string old = member_->nick;
      switch (service_.rename(*member_, command.argument)) {
        case ChatRoomService::RenameResult::Invalid:
          reply(connection, "! ", "invalid nick: use 1-32 letters, digits, _ or -");
          break;
        case ChatRoomService::RenameResult::Taken:
          reply(connection, "! ", "nick " + std::string(command.argument) + " is taken");
          break;
        case ChatRoomService::RenameResult::Ok:
          reply(connection, "* ", "you are now " + member_->nick);
          if (old != member_->nick) toRoom("* " + old + " is now " + member_->nick);
          break;
      }
      break;
    }
    case CommandKind::Join: {
      if (!isValidName(command.argument)) {
        reply(connection, "! ", "invalid room name: use 1-32 letters, digits, _ or -");
        break;
      }
      if (command.argument == member_->room) {
        reply(connection, "! ", "you are already in " + member_->room);
        break;
      }
      toRoom("* " + member_->nick + " left");
      service_.moveTo(*member_, command.argument);
      toRoom("* " + member_->nick + " joined");
      reply(connection, "* ",
            "you joined " + member_->room + " (" +
                std::to_string(service_.nicksIn(member_->room).size()) + " members)");
      break;
    }
    case CommandKind::Rooms: {
      std::string text = "rooms:";
      const char* sep = " ";
      for (const auto& [name, count] : service_.rooms()) {
        text += sep + name + " (" + std::to_string(count) + ")";
        sep = ", ";
      }
      reply(connection, "* ", text);
      break;
    }
    case CommandKind::Who: {
      std::string text = "in " + member_->room + ":";
      const char* sep = " ";
      for (const auto& nick : service_.nicksIn(member_->room)) {
        text += sep + nick;
        sep = ", ";
      }
      reply(connection, "* ", text);
      break;
    }
    case CommandKind::Msg: {
      Member* target = service_.findByNick(command.target);
      if (target == nullptr) {
        reply(connection, "! ", "no such nick: " + std::string(command.target));
        break;
      }
      std::string text = "[private] " + member_->nick + ": ";
      appendRelayedText(text, command.argument);
      text.push_back('\n');
      target->connection->send(std::string_view(text));
      reply(connection, "* ", "private message sent to " + target->nick);
      break;
    }
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
