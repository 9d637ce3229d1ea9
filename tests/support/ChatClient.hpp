// ChatClient: a `--protocol chat` client for tests: a raw socket (what nc
// would do), the nick the welcome line gave it, and every line it has read.
//
// waitFor() reads until a line matches, keeping the lines it passes, so a
// test can wait for one notice and still check everything else it got.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "support/SocketClient.hpp"

namespace uvreactor::test {

class ChatClient {
 public:
  // Connects and reads the welcome line; connected() is false if either fails.
  explicit ChatClient(const Endpoint& server);

  bool connected() const { return !nick.empty(); }
  bool say(const std::string& line) { return socket.sendAll(line + "\n"); }
  // The first unread line equal to `line`, or matching `match`; nullopt on timeout.
  std::optional<std::string> waitFor(const std::string& line,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::optional<std::string> waitFor(const std::function<bool(const std::string&)>& match,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads whatever arrives within `quiet` of the last line.
  void drain(std::chrono::milliseconds quiet = std::chrono::milliseconds(300));
  // How many lines read so far (waited for or passed) equal `line`.
  std::size_t count(const std::string& line) const;
  // /nick NAME, waiting for the confirmation; false if refused.
  bool rename(const std::string& name);

  SocketClient socket;
  std::string nick;
  std::vector<std::string> seen;
};

}  // namespace uvreactor::test
