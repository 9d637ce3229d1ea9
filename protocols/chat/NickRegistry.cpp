#include "chat/NickRegistry.hpp"

#include <utility>

#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {

Member& NickRegistry::add(Member member) {
  member.id = nextId_++;
  auto owned = std::make_unique<Member>(std::move(member));
  Member& added = *owned;
  byId_.emplace(added.id, &added);
  byNick_.emplace(foldName(added.nick), std::move(owned));
  return added;
}

void NickRegistry::remove(Member& member) {
  byId_.erase(member.id);
  byNick_.erase(foldName(member.nick));  // destroys `member`
}

void NickRegistry::rename(Member& member, const std::string& nick) {
  auto node = byNick_.extract(foldName(member.nick));
  member.nick = nick;
  node.key() = foldName(nick);
  byNick_.insert(std::move(node));
}

Member* NickRegistry::findByNick(std::string_view nick) const {
  auto it = byNick_.find(foldName(nick));
  return it == byNick_.end() ? nullptr : it->second.get();
}

Member* NickRegistry::findById(uint64_t id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : it->second;
}

bool NickRegistry::nickFree(std::string_view nick) const {
  std::string key = foldName(nick);
  return byNick_.count(key) == 0 && claimed_.count(key) == 0;
}

void NickRegistry::holdForClaim(std::string_view nick, uint64_t id) {
  claimed_.emplace(foldName(nick), id);
}

void NickRegistry::claimSettled(std::string_view nick) {
  claimed_.erase(foldName(nick));
}

std::string NickRegistry::guestNick() {
  std::string nick;
  do {
    nick = "guest" + std::to_string(nextGuest_++) + guestSuffix_;
  } while (!nickFree(nick));  // someone may have taken it by /nick
  return nick;
}

}  // namespace uvreactor::protocols::chat
