// ToldOnceFilter: another server's member-wide events (Quit, Renamed),
// which it publishes once per room, told to each local member once.
//
// Remembers, per (server, nick, kind, text), which local members heard the
// event. Bounded: past `capacity` entries the oldest goes (a copy arriving
// after that is told again). A member that joins again, or a nick taken by
// a rename, starts afresh (forget). Pure; loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "chat/RoomEvent.hpp"

namespace uvreactor::protocols::chat {

class ToldOnceFilter {
 public:
  static constexpr std::size_t kDefaultCapacity = 256;
  explicit ToldOnceFilter(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // True the first time `memberId` is told `event` from `server`.
  bool firstTime(std::string_view server, const RoomEvent& event, uint64_t memberId);
  // Drops everything remembered about `nick` of `server`.
  void forget(std::string_view server, std::string_view nick);
  std::size_t size() const { return told_.size(); }

 private:
  std::size_t capacity_;
  uint64_t nextAge_ = 1;
  // "server \t folded nick \t kind \t text" -> (age, member ids told).
  std::map<std::string, std::pair<uint64_t, std::unordered_set<uint64_t>>> told_;
};

}  // namespace uvreactor::protocols::chat
