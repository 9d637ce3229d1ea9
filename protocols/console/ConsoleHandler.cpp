#include "console/ConsoleHandler.hpp"

namespace uvreactor::protocols::console {

void ConsoleHandler::onOpen(Connection& connection) {
  client_ = &service_.admit(connection);
}

bool ConsoleHandler::fits(Connection& connection, std::size_t length) {
  if (length <= maxLine_) return true;
  connection.send("! line too long\n");
  client_->leaving = "line too long";
  connection.close();
  partial_.clear();
  return false;
}

void ConsoleHandler::onData(Connection& connection, std::string_view bytes) {
  if (client_ == nullptr || !connection.isOpen()) return;
  while (!bytes.empty()) {
    std::size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) break;
    std::string_view piece = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    std::string_view line = piece;
    if (!partial_.empty()) {
      partial_.append(piece);
      line = partial_;
    }
    std::string_view ending = "\n";
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      ending = "\r\n";
    }
    if (!fits(connection, line.size())) return;
    endsLines_ = true;
    service_.said(*client_, line, ending);
    partial_.clear();
  }
  if (bytes.empty()) return;
  if (!fits(connection, partial_.size() + bytes.size())) return;
  if (endsLines_) {
    partial_.append(bytes);
  } else {
    service_.said(*client_, bytes, {});
  }
}

void ConsoleHandler::onEof(Connection& connection) {
  if (client_ != nullptr && !partial_.empty() && connection.isOpen()) {
    service_.said(*client_, partial_, {});
    partial_.clear();
  }
  if (client_ != nullptr && client_->leaving.empty()) client_->leaving = "closed by the client";
  connection.close();
}

void ConsoleHandler::onClose(Connection&, const Error& reason) {
  if (client_ == nullptr) return;
  service_.left(*client_, reason);
  client_ = nullptr;
}

HandlerFactory makeConsoleFactory(ConsoleService& service, std::size_t maxLineLength) {
  return [&service, maxLineLength](Connection&) {
    return std::make_unique<ConsoleHandler>(service, maxLineLength);
  };
}

}  // namespace uvreactor::protocols::console
