#include "chat/ToldOnceFilter.hpp"

#include <algorithm>

#include "chat/Names.hpp"

namespace uvreactor::protocols::chat {
namespace {

// The key of everything about one member of one server: a prefix.
std::string prefixOf(std::string_view server, std::string_view nick) {
  std::string key(server);
  key.append("\t").append(foldName(nick)).append("\t");
  return key;
}

}  // namespace

bool ToldOnceFilter::firstTime(std::string_view server, const RoomEvent& event, uint64_t memberId) {
  std::string key = prefixOf(server, event.nick);
  key.append(std::to_string(static_cast<int>(event.kind))).append("\t").append(event.text);
  auto [it, created] = told_.try_emplace(key);
  if (created) {
    it->second.first = nextAge_++;
    if (told_.size() > capacity_) {
      auto oldest = std::min_element(told_.begin(), told_.end(), [](auto& a, auto& b) {
        return a.second.first < b.second.first;
      });
      if (oldest != it) told_.erase(oldest);
    }
  }
  return it->second.second.insert(memberId).second;
}

void ToldOnceFilter::forget(std::string_view server, std::string_view nick) {
  std::string prefix = prefixOf(server, nick);
  auto it = told_.lower_bound(prefix);
  while (it != told_.end() && it->first.compare(0, prefix.size(), prefix) == 0)
    it = told_.erase(it);
}

}  // namespace uvreactor::protocols::chat
