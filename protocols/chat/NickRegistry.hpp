// NickRegistry: the members of one server by nick and by id, the nicks
// being claimed from other servers, and fresh guest nicks.
//
// Nicks compare in the rfc1459 case mapping (Names.hpp) and keep the
// spelling given. A nick is free when no member holds it and no claim for
// it is under way. Owns the Members, from add to remove. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "chat/Member.hpp"

namespace uvreactor::protocols::chat {

class NickRegistry {
 public:
  // Takes `member` under its nick (which must be free), with a new id.
  Member& add(Member member);
  // Forgets and destroys `member`.
  void remove(Member& member);
  // `member` is now known as `nick` (free, or `member`'s own in other case).
  void rename(Member& member, const std::string& nick);

  Member* findByNick(std::string_view nick) const;
  Member* findById(uint64_t id) const;
  bool nickFree(std::string_view nick) const;
  std::size_t size() const { return byNick_.size(); }
  template <class Fn>
  void forEach(Fn&& fn) const {
    for (const auto& entry : byNick_) fn(*entry.second);
  }

  // A claim for `nick` by member `id` is under way: the nick is not free.
  void holdForClaim(std::string_view nick, uint64_t id);
  void claimSettled(std::string_view nick);

  // "guestN" + the suffix, free here; the suffix makes guests unique across
  // servers.
  std::string guestNick();
  void setGuestSuffix(std::string suffix) { guestSuffix_ = std::move(suffix); }

 private:
  uint64_t nextId_ = 1;
  uint64_t nextGuest_ = 1;
  std::string guestSuffix_;
  std::unordered_map<std::string, std::unique_ptr<Member>> byNick_;  // folded nick; owns
  std::unordered_map<uint64_t, Member*> byId_;
  std::unordered_map<std::string, uint64_t> claimed_;  // folded nick -> member id
};

}  // namespace uvreactor::protocols::chat
