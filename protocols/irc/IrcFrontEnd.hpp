// IrcFrontEnd: `--protocol irc`: IRC clients as members of the same rooms
// as every other front end (the line-chat room "lobby" is "#lobby").
//
// Owns what its sessions share: the options, the renderer, and one timer
// that pings clients idle for pingIntervalMs and drops those that have not
// answered pingTimeoutMs later. Owned by whoever wires the server; it must
// outlive the listeners using its factory (their sessions unregister from
// it), and the ChatRoomService must outlive it. Loop-thread only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "chat/ChatRoomService.hpp"
#include "irc/IrcRenderer.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/Timer.hpp"

namespace uvreactor::protocols::irc {

// OPER NAME PASSWORD makes a client a server operator (shown in WHO).
struct IrcOperator {
  std::string name;
  std::string password;
};

struct IrcOptions {
  std::string serverName = "uvreactor";
  std::string network = "uvreactor";
  std::string password;  // PASS required when set; compared in constant time
  std::vector<IrcOperator> operators;
  uint64_t pingIntervalMs = 120000;
  uint64_t pingTimeoutMs = 60000;
  // A client sending faster than this (lines per second, after a burst of
  // floodBurst) is dropped with "Excess Flood"; 0 turns it off.
  unsigned floodLinesPerSecond = 10;
  unsigned floodBurst = 30;
};

class IrcSession;

class IrcFrontEnd {
 public:
  IrcFrontEnd(Loop& loop, chat::ChatRoomService& rooms, IrcOptions options);
  ~IrcFrontEnd();
  IrcFrontEnd(const IrcFrontEnd&) = delete;
  IrcFrontEnd& operator=(const IrcFrontEnd&) = delete;

  HandlerFactory factory();

  // For its sessions.
  const IrcOptions& options() const { return options_; }
  const IrcRenderer& renderer() const { return renderer_; }
  chat::ChatRoomService& rooms() { return rooms_; }
  uint64_t nowMs() const { return loop_.nowMs(); }
  void add(IrcSession* session) { sessions_.insert(session); }
  void remove(IrcSession* session) { sessions_.erase(session); }

 private:
  void tick();

  Loop& loop_;
  chat::ChatRoomService& rooms_;
  IrcOptions options_;
  IrcRenderer renderer_;
  std::unordered_set<IrcSession*> sessions_;
  Timer pinger_;
};

}  // namespace uvreactor::protocols::irc
