#include "irc/IrcFrontEnd.hpp"

#include <algorithm>
#include <vector>

#include "irc/IrcSession.hpp"

namespace uvreactor::protocols::irc {

IrcFrontEnd::IrcFrontEnd(Loop& loop, chat::ChatRoomService& rooms, IrcOptions options)
    : loop_(loop),
      rooms_(rooms),
      options_(std::move(options)),
      renderer_(options_.serverName),
      pinger_(loop) {
  // Checked often enough that a ping or a drop is at most a second late.
  uint64_t every =
      std::clamp<uint64_t>(std::min(options_.pingIntervalMs, options_.pingTimeoutMs) / 4, 10, 1000);
  pinger_.start(every, every, [this] { tick(); });
}

IrcFrontEnd::~IrcFrontEnd() {
  pinger_.stop();
}

HandlerFactory IrcFrontEnd::factory() {
  return [this](Connection&) { return std::make_unique<IrcSession>(*this); };
}

void IrcFrontEnd::tick() {
  // A session may end while checked: its close runs later, but copy anyway.
  std::vector<IrcSession*> all(sessions_.begin(), sessions_.end());
  uint64_t now = nowMs();
  for (IrcSession* session : all) session->checkAlive(now);
}

}  // namespace uvreactor::protocols::irc
