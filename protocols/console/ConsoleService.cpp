#include "console/ConsoleService.hpp"

#include "console/ConsoleText.hpp"
#include "console/OperatorCommand.hpp"

namespace uvreactor::protocols::console {

ConsoleService::ConsoleService(ConsoleOutput& output, std::size_t maxOperatorLine)
    : output_(output), maxOperatorLine_(maxOperatorLine) {}

ConsoleClient& ConsoleService::admit(Connection& connection) {
  uint64_t number = nextNumber_++;
  ConsoleClient& client = clients_[number];
  client.number = number;
  client.connection = &connection;
  client.label = std::to_string(number) + " " + connection.peer().toString();
  output_.show("* [" + client.label + "] connected");
  return client;
}

void ConsoleService::said(ConsoleClient& client, std::string_view text, std::string_view ending) {
  ++client.messages;
  if (!ending.empty()) client.ending = ending == "\r\n" ? "\r\n" : "\n";
  lastSpeaker_ = client.number;
  // Built in place: a message costs no allocation once scratch_ has grown.
  scratch_.clear();
  if (isBlank(text)) {
    scratch_.append("* [").append(client.label).append("] sent ");
    scratch_ += text.empty() ? "an empty line"
                             : "only whitespace (" + std::to_string(text.size()) + " bytes)";
  } else {
    scratch_.append("[").append(client.label).append("] ");
    appendShownText(scratch_, text);
  }
  output_.show(scratch_);
}

void ConsoleService::left(ConsoleClient& client, const Error& reason) {
  std::string why = !client.leaving.empty() ? std::string(client.leaving)
                    : stopping_             ? std::string("server shutting down")
                    : reason                ? reason.message()
                                            : std::string("closed");
  output_.show("* [" + client.label + "] disconnected: " + why);
  clients_.erase(client.number);  // `client` is gone from here on
}

// Whole lines are taken from `bytes` where they lie; only a line cut by the
// end of a read is copied, into a buffer that keeps its capacity.
void ConsoleService::operatorInput(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t nl = bytes.find('\n');
    std::string_view piece = bytes.substr(0, nl);
    if (!discarding_ && pendingLine_.size() + piece.size() > maxOperatorLine_) {
      complain("line over " + std::to_string(maxOperatorLine_) + " bytes: not sent");
      pendingLine_.clear();
      discarding_ = true;
    }
    if (nl == std::string_view::npos) {
      if (!discarding_) pendingLine_.append(piece);
      return;
    }
    bytes.remove_prefix(nl + 1);
    if (discarding_) {
      discarding_ = false;
      continue;
    }
    std::string_view line = piece;
    if (!pendingLine_.empty()) {
      pendingLine_.append(piece);
      line = pendingLine_;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    execute(line);
    pendingLine_.clear();
  }
}

void ConsoleService::operatorInputEnded(const Error& error) {
  if (inputEnded_) return;
  inputEnded_ = true;
  if (!pendingLine_.empty() && !discarding_) {
    std::string line;
    line.swap(pendingLine_);
    execute(line);  // the last line, which had no newline
  }
  complain(std::string("console closed (") + (error ? error.message() : "end of input") +
           "); still serving the clients, SIGINT or SIGTERM stops the server");
}

void ConsoleService::execute(std::string_view line) {
  OperatorCommand command = parseOperatorCommand(line);
  switch (command.action) {
    case OperatorAction::Nothing:
      return;
    case OperatorAction::ReplyLast:
      return replyLast(command.text);
    case OperatorAction::ReplyTo:
      if (ConsoleClient* client = findOpen(command.client)) {
        replyTo(*client, command.text);
        output_.show("* sent to " + std::to_string(client->number));
      }
      return;
    case OperatorAction::ReplyAll:
      return replyAll(command.text);
    case OperatorAction::Who:
      return who();
    case OperatorAction::Kick:
      return kick(command.client);
    case OperatorAction::Help:
      for (std::string_view rest = kOperatorHelp; !rest.empty();) {
        std::size_t nl = rest.find('\n');
        output_.show("* " + std::string(rest.substr(0, nl)));
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      }
      return;
    case OperatorAction::Invalid:
      return complain(command.error);
  }
}

void ConsoleService::replyTo(ConsoleClient& client, std::string_view text) {
  scratch_.assign(text);
  scratch_.append(client.messages == 0 ? "\n" : client.ending);
  client.connection->send(scratch_);
}

ConsoleClient* ConsoleService::findOpen(uint64_t number) {
  auto it = clients_.find(number);
  if (it == clients_.end()) {
    complain("no client " + std::to_string(number) + " (/who lists them)");
    return nullptr;
  }
  if (!it->second.connection->isOpen()) {
    complain("client " + std::to_string(number) + " is leaving");
    return nullptr;
  }
  return &it->second;
}

void ConsoleService::replyLast(std::string_view text) {
  if (lastSpeaker_ == 0) return complain("no client has spoken yet: use @N TEXT or @all TEXT");
  if (clients_.count(lastSpeaker_) == 0) {
    return complain("client " + std::to_string(lastSpeaker_) +
                    ", the last to speak, has left: use @N TEXT (/who lists them)");
  }
  if (ConsoleClient* client = findOpen(lastSpeaker_)) {
    replyTo(*client, text);
    output_.show("* sent to " + std::to_string(client->number));
  }
}

void ConsoleService::replyAll(std::string_view text) {
  std::size_t reached = 0;
  for (auto& [number, client] : clients_) {
    if (!client.connection->isOpen()) continue;
    replyTo(client, text);
    ++reached;
  }
  if (reached == 0) return complain("no clients connected");
  output_.show("* sent to all (" + std::to_string(reached) +
               (reached == 1 ? " client)" : " clients)"));
}

void ConsoleService::who() {
  std::string head = "* " + std::to_string(clients_.size()) + " client";
  head += clients_.size() == 1 ? "" : "s";
  if (lastSpeaker_ != 0 && clients_.count(lastSpeaker_) != 0)
    head += ", " + std::to_string(lastSpeaker_) + " spoke last";
  output_.show(head);
  for (const auto& [number, client] : clients_) {
    output_.show("*   [" + client.label + "] " + std::to_string(client.messages) +
                 (client.messages == 1 ? " message, " : " messages, ") +
                 std::to_string(client.connection->queuedBytes()) + " bytes queued" +
                 (client.connection->isOpen() ? "" : ", leaving"));
  }
}

void ConsoleService::kick(uint64_t number) {
  ConsoleClient* client = findOpen(number);
  if (client == nullptr) return;
  client->leaving = "kicked by the operator";
  client->connection->close();  // its onClose runs later: `client` stays listed until then
}

void ConsoleService::complain(std::string_view text) {
  output_.complain(text);
}

}  // namespace uvreactor::protocols::console
