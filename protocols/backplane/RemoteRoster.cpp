#include "backplane/RemoteRoster.hpp"

#include <algorithm>

#include "chat/Names.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor::protocols::backplane {
namespace {

using chat::RoomEvent;
using chat::RoomEventKind;

constexpr std::string_view kLeftUnseen = "left while this server's link was down";

bool hasRoom(const RemoteRoster::Member& member, std::string_view room) {
  return std::any_of(member.rooms.begin(), member.rooms.end(),
                     [&](const std::string& r) { return chat::sameName(r, room); });
}

void dropRoom(RemoteRoster::Member& member, std::string_view room) {
  member.rooms.erase(std::remove_if(member.rooms.begin(), member.rooms.end(),
                                    [&](const std::string& r) { return chat::sameName(r, room); }),
                     member.rooms.end());
}

void tellEach(const RemoteRoster::Member& member, RoomEventKind kind, std::string_view text,
              std::string_view server, const RemoteRoster::Tell& tell) {
  for (const std::string& room : member.rooms)
    tell(RoomEvent{kind, room, member.nick, text, {}, {}}, server);
}

}  // namespace

void RemoteRoster::track(std::string_view server, const RoomEvent& event) {
  switch (event.kind) {  // lines said are most of the traffic: no lookup for them
    case RoomEventKind::Joined:
    case RoomEventKind::Left:
    case RoomEventKind::Kicked:
    case RoomEventKind::Quit:
    case RoomEventKind::Renamed:
      break;
    default:
      return;
  }
  auto at = known_.find(server);
  if (at == known_.end()) return;  // not polled yet: the next poll has it whole
  Server& members = at->second;
  switch (event.kind) {
    case RoomEventKind::Joined: {
      Member& m = members[chat::foldName(event.nick)];
      m.nick = std::string(event.nick);
      if (!hasRoom(m, event.room)) m.rooms.emplace_back(event.room);
      return;
    }
    case RoomEventKind::Left:
    case RoomEventKind::Kicked: {
      std::string_view who = event.kind == RoomEventKind::Left ? event.nick : event.target;
      if (auto it = members.find(chat::foldName(who)); it != members.end())
        dropRoom(it->second, event.room);
      return;
    }
    case RoomEventKind::Quit:
      members.erase(chat::foldName(event.nick));
      return;
    case RoomEventKind::Renamed: {
      // Published once per room: the first copy moves the entry.
      auto node = members.extract(chat::foldName(event.nick));
      if (node.empty()) return;
      node.key() = chat::foldName(event.text);
      node.mapped().nick = std::string(event.text);
      members.insert(std::move(node));
      return;
    }
    default:
      return;
  }
}

uint64_t RemoteRoster::reconcile(const Servers& now, bool settled, uint64_t nowMs,
                                 const Tell& tell) {
  // After an outage, the picture from before it (plus live events) is what
  // the local members were told; a partial directory must not replace it.
  if (missedEvents_ && !settled) return 0;
  if (missedEvents_) {
    tellMissed(now, tell);
    missedEvents_ = false;
  }
  uint64_t lost = settled ? giveUpStopped(now, nowMs, tell) : 0;
  for (auto it = lost_.begin(); it != lost_.end();)
    it = nowMs - it->second > kRememberLostMs ? lost_.erase(it) : std::next(it);
  for (const auto& [tag, members] : now) {
    if (lost_.erase(tag) != 0) {
      logLine(LogLevel::Info, "backplane: server " + tag + " is back");
      for (const auto& entry : members)
        tellEach(entry.second, RoomEventKind::Joined, {}, tag, tell);
    }
    known_[tag] = members;
  }
  return lost;
}

// Servers known before the outage and still live: who left, joined or
// moved meanwhile. Servers that appeared meanwhile: all their members
// joined. (Servers that stopped meanwhile are given up as usual.)
void RemoteRoster::tellMissed(const Servers& now, const Tell& tell) const {
  for (const auto& [tag, members] : now) {
    auto before = known_.find(tag);
    if (before == known_.end()) {
      if (lost_.count(tag) != 0) continue;  // told when it is back
      for (const auto& entry : members)
        tellEach(entry.second, RoomEventKind::Joined, {}, tag, tell);
      continue;
    }
    for (const auto& [key, was] : before->second) {
      auto still = members.find(key);
      if (still == members.end()) {
        tellEach(was, RoomEventKind::Quit, kLeftUnseen, tag, tell);
        continue;
      }
      for (const std::string& room : was.rooms) {
        if (!hasRoom(still->second, room))
          tell(RoomEvent{RoomEventKind::Left, room, was.nick, {}, {}, {}}, tag);
      }
    }
    for (const auto& [key, is] : members) {
      auto was = before->second.find(key);
      for (const std::string& room : is.rooms) {
        if (was == before->second.end() || !hasRoom(was->second, room))
          tell(RoomEvent{RoomEventKind::Joined, room, is.nick, {}, {}, {}}, tag);
      }
    }
  }
}

// A server we knew that is no longer live: its members leave every room.
uint64_t RemoteRoster::giveUpStopped(const Servers& now, uint64_t nowMs, const Tell& tell) {
  uint64_t lost = 0;
  for (auto it = known_.begin(); it != known_.end();) {
    if (now.count(it->first) != 0) {
      ++it;
      continue;
    }
    ++lost;
    logLine(LogLevel::Info, "backplane: server " + it->first + " stopped; its " +
                                std::to_string(it->second.size()) + " members left");
    for (const auto& entry : it->second)
      tellEach(entry.second, RoomEventKind::Quit, "server lost", it->first, tell);
    lost_[it->first] = nowMs;
    it = known_.erase(it);
  }
  return lost;
}

}  // namespace uvreactor::protocols::backplane
