// RoomBackplane: what the room service needs from a link to other servers
// (protocols/backplane implements it on Redis).
//
// The service tells the backplane about local events, rooms, members and
// nicks; the backplane answers asynchronously and feeds other servers'
// events back through ChatRoomService::deliverRemote. Every call is cheap and
// never blocks; while the link is down (shared() false) the service keeps
// each room local and the backplane re-asserts its state once it is back.
// Owned by whoever wires the server; attached to one service, detached (or
// destroyed) before the service. Loop-thread only.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/RoomEvent.hpp"

namespace uvreactor::protocols::chat {

class RoomBackplane {
 public:
  virtual ~RoomBackplane() = default;

  // True while events reach the other servers.
  virtual bool shared() const = 0;
  // A local member's room event, for the other servers' members.
  virtual void publish(const RoomEvent& event) = 0;
  // The first local member entered `room` / the last one left it.
  virtual void roomOpened(std::string_view room) = 0;
  virtual void roomClosed(std::string_view room) = 0;
  // Presence: a local member is (now) `nick` in `rooms` (comma-separated,
  // maybe none); `nick` is gone.
  virtual void memberAt(std::string_view nick, std::string_view rooms) = 0;
  virtual void memberGone(std::string_view nick) = 0;

  // Nicks unique across servers. `done(true)` when this server holds the
  // nick (or the link is down: then it is held locally and claimed once the
  // link is back); `done(false)` when another server holds it.
  virtual void claimNick(std::string_view nick, std::function<void(bool granted)> done) = 0;
  virtual void releaseNick(std::string_view nick) = 0;

  // A private message to a nick on another server; `done(false)` when no
  // server holds the nick.
  virtual void sendPrivate(const RoomEvent& event, std::function<void(bool delivered)> done) = 0;
  // Every member on the other servers, as (nick, room); nullptr when the
  // link is down.
  using Directory = std::vector<std::pair<std::string, std::string>>;
  virtual void listRemote(std::function<void(const Directory*)> done) = 0;
};

}  // namespace uvreactor::protocols::chat
