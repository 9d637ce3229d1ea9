// ConsoleService: the operator console's state: the numbered clients, who
// spoke last, and the operator's commands (OperatorCommand) carried out.
//
// What clients say and do is written to a ConsoleOutput: messages as
// "[N HOST:PORT] text" (text through ConsoleText), everything else the
// console itself says on lines starting "* " (connects, disconnects and
// why, blank messages, /who, what a reply reached), so no client can forge
// one. Errors in the operator's input go to ConsoleOutput::complain, one
// line each. Numbers start at 1 and are never reused in a run.
//
// A reply goes out with the line ending the client used last (LF or CRLF),
// or none to a client whose messages never ended with one (the tutorial's
// client sends without a newline and prints one recv()), so each client
// shows it once. The operator's input arrives as bytes (operatorInput);
// lines longer than maxOperatorLine bytes are discarded with an error, and
// only that much is ever buffered. Protocol-neutral: it sees Connections,
// so it serves any listener (plain TCP, TLS). Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "uvreactor/Connection.hpp"

namespace uvreactor::protocols::console {

// Where the console writes: stdout-like lines and stderr-like complaints,
// each without its newline.
class ConsoleOutput {
 public:
  virtual ~ConsoleOutput() = default;
  virtual void show(std::string_view line) = 0;
  virtual void complain(std::string_view line) = 0;
};

struct ConsoleClient {
  uint64_t number = 0;
  Connection* connection = nullptr;
  std::string label;  // "N HOST:PORT"
  uint64_t messages = 0;
  std::string_view ending;   // what ended its last line: "\n", "\r\n", or "" (never a line)
  std::string_view leaving;  // why the console closed it, once it did
};

class ConsoleService {
 public:
  static constexpr std::size_t kDefaultMaxOperatorLine = 1 << 20;
  explicit ConsoleService(ConsoleOutput& output,
                          std::size_t maxOperatorLine = kDefaultMaxOperatorLine);
  ConsoleService(const ConsoleService&) = delete;
  ConsoleService& operator=(const ConsoleService&) = delete;

  // From the handlers.
  ConsoleClient& admit(Connection& connection);
  // One message: a line (`ending` "\n" or "\r\n") or data without a newline
  // (`ending` empty), as it arrived.
  void said(ConsoleClient& client, std::string_view text, std::string_view ending);
  void left(ConsoleClient& client, const Error& reason);

  // From the operator.
  void operatorInput(std::string_view bytes);
  // End of the operator's input (`error` empty) or a read error: the
  // console is closed, the clients are still served.
  void operatorInputEnded(const Error& error);
  void execute(std::string_view line);

  // Closes from now on are the server's shutdown.
  void setStopping() { stopping_ = true; }
  std::size_t clientCount() const { return clients_.size(); }
  uint64_t lastSpeaker() const { return lastSpeaker_; }

 private:
  void replyTo(ConsoleClient& client, std::string_view text);
  ConsoleClient* findOpen(uint64_t number);
  void replyLast(std::string_view text);
  void replyAll(std::string_view text);
  void who();
  void kick(uint64_t number);
  void complain(std::string_view text);

  ConsoleOutput& output_;
  std::size_t maxOperatorLine_;
  std::map<uint64_t, ConsoleClient> clients_;  // by number: /who lists them in order
  uint64_t nextNumber_ = 1;
  uint64_t lastSpeaker_ = 0;
  std::string pendingLine_;  // the operator's unfinished line
  bool discarding_ = false;  // inside a line over maxOperatorLine_
  bool inputEnded_ = false;
  bool stopping_ = false;
  std::string scratch_;
};

}  // namespace uvreactor::protocols::console
