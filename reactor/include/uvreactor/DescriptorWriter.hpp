// DescriptorWriter: writes to a descriptor (stdout, stderr) from a thread of
// its own, so the loop never waits for whoever reads it.
//
// A terminal that is scrolled back or suspended, a pipe into a slow reader
// (`server | less`) or a full disk would block a write() on the loop thread,
// and every client with it; and setting O_NONBLOCK on stdout would change
// the description the shell and other processes share. So write() only
// appends to a backlog, and the writer's thread makes the blocking write()
// calls. The backlog is bounded: a write that would take it past
// maxBacklog bytes is dropped whole, and counted, and once the reader has
// caught up the thread writes dropNotice(count) first, so the reader knows
// what is missing. Memory: two buffers of at most maxBacklog each (the
// backlog, and the batch the thread is writing). A write error (the reader
// closed a pipe) drops everything after it, silently (a pipe whose reader
// is gone raises SIGPIPE first, as for any write, unless the process
// ignores it).
//
// The thread writes to a duplicate of `fd`, so the caller may close its own
// at any time. The destructor waits up to drainTimeoutMs for the backlog to
// be written, then leaves a thread still blocked in write() behind
// (detached, with the backlog and the duplicate it holds) rather than block
// the process's exit; it ends when its write does.
// write() may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace uvreactor {

class DescriptorWriter {
 public:
  using DropNotice = std::function<std::string(uint64_t droppedWrites)>;
  DescriptorWriter(int fd, std::size_t maxBacklog, DropNotice dropNotice,
                   uint64_t drainTimeoutMs = 2000);
  ~DescriptorWriter();
  DescriptorWriter(const DescriptorWriter&) = delete;
  DescriptorWriter& operator=(const DescriptorWriter&) = delete;

  // False if the bytes were dropped (backlog full, or after a write error).
  bool write(std::string_view bytes);
  // Writes dropped so far.
  uint64_t dropped() const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  uint64_t drainTimeoutMs_;
};

}  // namespace uvreactor
