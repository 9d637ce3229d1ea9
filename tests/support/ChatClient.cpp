#include "support/ChatClient.hpp"

#include <algorithm>

namespace uvreactor::test {

ChatClient::ChatClient(const Endpoint& server) {
  if (!socket.connect(server)) return;
  auto welcome = socket.recvLine();
  if (!welcome) return;
  seen.push_back(*welcome);
  const std::string marker = "you are ";
  auto at = welcome->find(marker);
  if (at == std::string::npos) return;
  at += marker.size();
  nick = welcome->substr(at, welcome->find(' ', at) - at);
}

std::optional<std::string> ChatClient::waitFor(const std::string& line,
                                               std::chrono::milliseconds timeout) {
  return waitFor([&](const std::string& l) { return l == line; }, timeout);
}

std::optional<std::string> ChatClient::waitFor(const std::function<bool(const std::string&)>& match,
                                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = socket.recvLine(left);
    if (!line) return std::nullopt;
    seen.push_back(*line);
    if (match(*line)) return line;
  }
}

void ChatClient::drain(std::chrono::milliseconds quiet) {
  while (auto line = socket.recvLine(quiet)) seen.push_back(*line);
}

std::size_t ChatClient::count(const std::string& line) const {
  return static_cast<std::size_t>(std::count(seen.begin(), seen.end(), line));
}

bool ChatClient::rename(const std::string& name) {
  say("/nick " + name);
  auto answer = waitFor([&](const std::string& l) {
    return l == "* you are now " + name || l.rfind("! nick " + name, 0) == 0 ||
           l.rfind("! invalid nick", 0) == 0;
  });
  if (!answer || answer->rfind("* you are now ", 0) != 0) return false;
  nick = name;
  return true;
}

}  // namespace uvreactor::test
