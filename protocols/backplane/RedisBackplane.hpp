// RedisBackplane: chat rooms shared by several servers through Redis.
//
// Each server has a random tag. It publishes its members' room events on
// PREFIX:room:ROOM, subscribed while it has a member in ROOM (counted by the
// room service), and ignores its own echoes; a private message goes to the
// channel of the server holding the nick (PREFIX:server:TAG). Nicks are
// claimed in Redis (PREFIX:nick:NICK, compare-and-delete on release) with an
// expiry the heartbeat refreshes, as are the server's liveness and member
// list; so a crashed server's nicks free up, and the members of the others
// see its members leave, within about `expiryMs` plus a heartbeat.
//
// Redis pub/sub is at-most-once: while the link is down each room is local
// (its members are told once when that starts and once when it ends), local
// events are not queued for later, and state is re-asserted on reconnect.
// Commands wait in RedisLink's bounded queue; messages that fail to decode
// are dropped and counted.
//
// Owned by whoever wires the server; created after and destroyed before the
// ChatRoomService it attaches itself to. Loop-thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include "backplane/RemoteRoster.hpp"
#include "chat/ChatRoomService.hpp"
#include "chat/RoomBackplane.hpp"
#include "redis/RedisLink.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/Timer.hpp"

namespace uvreactor::protocols::backplane {

struct BackplaneOptions {
  std::string prefix = "uvr";
  uint64_t heartbeatMs = 1000;
  uint64_t expiryMs = 4000;
  redis::RedisOptions redis;
};

struct BackplaneStats {
  uint64_t published = 0;      // local events sent to other servers
  uint64_t received = 0;       // other servers' events delivered here
  uint64_t ownEchoes = 0;      // our own events coming back, ignored
  uint64_t garbage = 0;        // messages on our channels that failed to decode
  uint64_t unpublished = 0;    // local events not sent: the link was down
  uint64_t lostPublishes = 0;  // sent, but the link dropped before Redis confirmed
  uint64_t serversLost = 0;    // other servers whose heartbeat expired
};

class RedisBackplane final : public chat::RoomBackplane {
 public:
  RedisBackplane(Loop& loop, chat::ChatRoomService& rooms, Endpoint redis,
                 BackplaneOptions options);
  ~RedisBackplane() override;
  RedisBackplane(const RedisBackplane&) = delete;
  RedisBackplane& operator=(const RedisBackplane&) = delete;

  const std::string& tag() const { return tag_; }
  // Takes this server out of Redis (liveness, members) and calls `done`
  // once Redis confirms it, or at once when the link is down; for a
  // graceful stop, after the members have left.
  void withdraw(std::function<void()> done);
  const BackplaneStats& stats() const { return stats_; }
  const redis::RedisStats& linkStats() const { return link_->stats(); }

  bool shared() const override { return up_; }
  void publish(const chat::RoomEvent& event) override;
  void roomOpened(std::string_view room) override;
  void roomClosed(std::string_view room) override;
  void memberAt(std::string_view nick, std::string_view room) override;
  void memberGone(std::string_view nick) override;
  void claimNick(std::string_view nick, std::function<void(bool)> done) override;
  void releaseNick(std::string_view nick) override;
  void sendPrivate(const chat::RoomEvent& event, std::function<void(bool)> done) override;
  void listRemote(std::function<void(const Directory*)> done) override;

 private:
  using Servers = RemoteRoster::Servers;

  void onLink(bool up);
  void onMessage(std::string_view channel, std::string_view message);
  void heartbeat();
  void fetchDirectory(std::function<void(const Servers*)> done);
  std::string key(std::string_view kind, std::string_view name) const;

  Loop& loop_;
  chat::ChatRoomService& rooms_;
  BackplaneOptions options_;
  std::string tag_;
  std::string roomChannelPrefix_;
  std::string serverChannel_;
  std::unique_ptr<redis::RedisLink> link_;
  Timer heartbeat_;
  bool up_ = false;
  uint64_t upSinceMs_ = 0;
  RemoteRoster roster_;  // the other servers and their members
  BackplaneStats stats_;
  std::string scratch_;
};

// Parses "redis://[USER@]HOST:PORT[/PREFIX]" (PREFIX: 1-32 of
// [A-Za-z0-9_-]; USER: a Redis ACL user), or "rediss://..." for Redis over
// TLS (`tls` set); throws std::invalid_argument
// naming what is wrong. A password in the URL ("USER:PASSWORD@") is refused:
// a command line is visible to every local user. Errors never repeat what
// stands before an '@'.
struct BackplaneAddress {
  Endpoint redis;
  std::string prefix;
  std::string user;
  bool tls = false;
};
BackplaneAddress parseBackplaneUrl(std::string_view url);

}  // namespace uvreactor::protocols::backplane
