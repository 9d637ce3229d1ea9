// RemoteRoster: what one server knows of the other servers' members (which
// server holds which nick, in which rooms), and what its local members must
// be told when that picture changes without an event saying so.
//
// The picture comes from the directory, polled every heartbeat, and from the
// events that arrive between polls. Three changes come without events: a
// server that stopped (its heartbeat expired: its members quit), a server
// given up for lost that is back (a healed partition: its members join
// again), and whatever happened elsewhere while this server's own link was
// down (pub/sub does not replay): after the outage, the first settled poll
// is compared with the picture from before it, kept up to date by the
// events that arrived since, and the joins, leaves and quits missed are
// told.
//
// Owned by RedisBackplane; no I/O of its own. Loop-thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "chat/RoomEvent.hpp"

namespace uvreactor::protocols::backplane {

class RemoteRoster {
 public:
  struct Member {
    std::string nick;                // as its server spells it
    std::vector<std::string> rooms;  // as spelled when joined
  };
  using Server = std::map<std::string, Member>;                // by folded nick
  using Servers = std::map<std::string, Server, std::less<>>;  // by server tag
  // How the roster tells the local members: as if `server` had sent `event`.
  using Tell = std::function<void(const chat::RoomEvent& event, std::string_view server)>;

  // A server given up for lost is remembered this long (a restarted server
  // has a new tag, so none is remembered forever).
  static constexpr uint64_t kRememberLostMs = 10 * 60 * 1000;

  // An event from another server that arrived live.
  void track(std::string_view server, const chat::RoomEvent& event);
  // This server's link went down: events from now on may be missed.
  void linkLost() { missedEvents_ = true; }
  // A directory poll at `nowMs`. Not `settled` in the first heartbeats
  // after this server's reconnect, when a Redis restarted empty has not yet
  // heard from the others: no server is given up then, and no outage is
  // reconciled. Returns how many servers were given up for lost.
  uint64_t reconcile(const Servers& now, bool settled, uint64_t nowMs, const Tell& tell);

  const Servers& known() const { return known_; }

 private:
  void tellMissed(const Servers& now, const Tell& tell) const;
  uint64_t giveUpStopped(const Servers& now, uint64_t nowMs, const Tell& tell);

  Servers known_;
  std::map<std::string, uint64_t> lost_;  // servers whose members were told gone: when
  bool missedEvents_ = false;
};

}  // namespace uvreactor::protocols::backplane
