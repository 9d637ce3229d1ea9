// DescriptorReader: reads a descriptor the process was given (stdin, most
// often) on the loop, whatever it refers to, without ever blocking it.
//
// epoll polls terminals, pipes and sockets but refuses regular files and
// devices such as /dev/null, so the reader picks by kind: a terminal is read
// as libuv's tty stream (in its normal, line-edited mode; libuv reopens it
// so that making it non-blocking does not affect the shell sharing it), a
// pipe or FIFO as a pipe stream over a descriptor of its own (reopened
// through /proc, so the O_NONBLOCK libuv sets stays off the description
// other processes share), a socket as a stream on it, and a regular file or
// device through libuv's file reads, which run on its thread pool, one read
// in flight at a time. Whatever arrives is handed over as it arrives: a
// terminal delivers a line once Enter is pressed, a pipe whatever was
// written, so a half-written line holds nothing up. Descriptors 0-2 are
// never closed.
//
// onData gets each chunk (valid during the call); onEnd runs once, at end
// of input (empty Error) or on a read error, and no onData follows. The
// reader does not keep the loop alive, except while a file read is in
// flight (such reads complete at once for files and /dev/null; a device
// whose reads block would hold the loop's end until one returns).
// Destroying the reader stops it; no callback runs after the destructor.
// Loop-thread only.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "uvreactor/Error.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor {

class DescriptorReader {
 public:
  using DataCallback = std::function<void(std::string_view)>;
  using EndCallback = std::function<void(const Error&)>;
  enum class Kind { Terminal, Pipe, Socket, File };

  // Starts reading `fd` at once. Fails for a descriptor that is closed or
  // of a kind it cannot read (a UDP socket).
  static Result<std::unique_ptr<DescriptorReader>> start(Loop& loop, int fd, DataCallback onData,
                                                         EndCallback onEnd);
  ~DescriptorReader();
  DescriptorReader(const DescriptorReader&) = delete;
  DescriptorReader& operator=(const DescriptorReader&) = delete;

  Kind kind() const { return kind_; }
  // "terminal", "pipe", "socket" or "file".
  static const char* kindName(Kind kind);

 private:
  struct Stream;
  struct FileRead;
  DescriptorReader(Kind kind, DataCallback onData, EndCallback onEnd);
  void deliver(std::string_view bytes);
  void end(const Error& error);
  void readFile();

  Loop* loop_ = nullptr;
  Kind kind_;
  int fd_ = -1;
  DataCallback onData_;
  EndCallback onEnd_;
  Stream* stream_ = nullptr;
  FileRead* fileRead_ = nullptr;  // the file read in flight, if any
  bool ended_ = false;
};

}  // namespace uvreactor
