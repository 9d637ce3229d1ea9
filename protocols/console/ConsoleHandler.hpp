// ConsoleHandler: one client of the operator console (--protocol console).
//
// Each message is handed to the ConsoleService as it arrives: every line
// (LF or CRLF) whole, and, from a client that has never sent a newline (the
// tutorial's client: send() without one, then recv()), whatever each read
// brought. Once a client has ended a line, an unfinished line waits for its
// newline (or the client's EOF). A message longer than maxLineLength gets
// "! line too long" and the connection is closed, as in chat; at most that
// much of a line is ever buffered. A client's EOF ends its session (after
// what it sent is shown and what it is owed is sent).
#pragma once

#include <cstddef>
#include <string>

#include "console/ConsoleService.hpp"
#include "uvreactor/ConnectionHandler.hpp"

namespace uvreactor::protocols::console {

class ConsoleHandler final : public ConnectionHandler {
 public:
  ConsoleHandler(ConsoleService& service, std::size_t maxLineLength)
      : service_(service), maxLine_(maxLineLength) {}

  void onOpen(Connection& connection) override;
  void onData(Connection& connection, std::string_view bytes) override;
  void onEof(Connection& connection) override;
  void onClose(Connection& connection, const Error& reason) override;

 private:
  // False once the connection is being closed for a long line.
  bool fits(Connection& connection, std::size_t length);

  ConsoleService& service_;
  std::size_t maxLine_;
  ConsoleClient* client_ = nullptr;
  std::string partial_;  // an unfinished line of a client that ends its lines
  bool endsLines_ = false;
};

HandlerFactory makeConsoleFactory(ConsoleService& service, std::size_t maxLineLength);

}  // namespace uvreactor::protocols::console
