// ConnectionHandler: the extension point, one object per TCP connection.
//
// A HandlerFactory registered with a listener or connector creates a handler
// for each new connection; the connection owns it and destroys it right after
// onClose. Every callback receives the Connection to reply through, so a
// handler needs no back-pointer and never touches libuv.
//
// Order per connection: onOpen, then onData/onEof/onHighWater/onLowWater in
// arrival order, then exactly one onClose (even for aborts and errors).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "uvreactor/Connection.hpp"
#include "uvreactor/Error.hpp"

namespace uvreactor {

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;

  virtual void onOpen(Connection&) {}
  // `bytes` is valid only during the call (it points into a shared buffer).
  virtual void onData(Connection& connection, std::string_view bytes) = 0;
  // The peer half-closed (sent FIN). Default: finish writing, then close.
  virtual void onEof(Connection& connection) { connection.close(); }
  // Queued output crossed the high-water mark; reading is paused.
  virtual void onHighWater(Connection&) {}
  // Queued output fell to the low-water mark; reading resumed.
  virtual void onLowWater(Connection&) {}
  // The connection is gone. `reason` is empty for an orderly close, else it
  // says why (reset by peer, idle timeout, slow consumer, ...).
  virtual void onClose(Connection&, const Error& /*reason*/) {}
};

using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection&)>;

}  // namespace uvreactor
