#include "uvreactor/DescriptorWriter.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace uvreactor {

struct DescriptorWriter::Shared {
  int fd;  // the thread's own copy: closing the caller's cannot redirect its writes
  bool ownsFd = false;
  std::size_t maxBacklog;
  DropNotice dropNotice;
  std::mutex mutex;
  std::condition_variable wake;     // the thread: work to do or stop
  std::condition_variable drained;  // the destructor: backlog written
  std::string backlog;
  std::string batch;  // the thread's, being written; swapped with backlog, capacity kept
  uint64_t droppedTotal = 0;
  uint64_t droppedUnannounced = 0;
  bool writing = false;
  bool failed = false;
  bool stopping = false;

  // All of `bytes`, or false on an error. The descriptor's description may
  // be nonblocking though we never set it so (a parent left it so, or stdin
  // is the same socket and libuv made that nonblocking): EAGAIN means wait
  // for room on this thread, not fail.
  bool writeAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd room{fd, POLLOUT, 0};
        if (::poll(&room, 1, -1) < 0 && errno != EINTR) return false;
        continue;
      }
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void run() {
    drainUntilStopped();
    if (ownsFd) ::close(fd);
  }

  void drainUntilStopped() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return stopping || !backlog.empty(); });
      if (backlog.empty()) return;  // stopping, all written
      batch.swap(backlog);
      writing = true;
      lock.unlock();
      bool ok = writeAll(batch);
      batch.clear();
      lock.lock();
      writing = false;
      if (!ok) {
        failed = true;
        backlog.clear();
      } else if (droppedUnannounced > 0 && backlog.empty()) {
        // Caught up: say what is missing before anything newer.
        uint64_t count = droppedUnannounced;
        droppedUnannounced = 0;
        std::string notice = dropNotice ? dropNotice(count) : std::string();
        writing = true;  // the destructor waits for the notice too
        lock.unlock();
        bool noticeOk = writeAll(notice);
        lock.lock();
        writing = false;
        if (!noticeOk) failed = true;
      }
      if (backlog.empty()) drained.notify_all();
    }
  }
};

DescriptorWriter::DescriptorWriter(int fd, std::size_t maxBacklog, DropNotice dropNotice,
                                   uint64_t drainTimeoutMs)
    : shared_(std::make_shared<Shared>()), drainTimeoutMs_(drainTimeoutMs) {
  int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  shared_->fd = own >= 0 ? own : fd;
  shared_->ownsFd = own >= 0;
  shared_->maxBacklog = maxBacklog;
  shared_->dropNotice = std::move(dropNotice);
  std::thread([shared = shared_] { shared->run(); }).detach();
}

DescriptorWriter::~DescriptorWriter() {
  std::unique_lock<std::mutex> lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
  // The thread ends by itself once the backlog is written; if the reader
  // never takes it, the thread (and the backlog it holds) stays behind.
  shared_->drained.wait_for(lock, std::chrono::milliseconds(drainTimeoutMs_), [&] {
    return shared_->failed || (shared_->backlog.empty() && !shared_->writing);
  });
}

bool DescriptorWriter::write(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  if (shared_->failed) return false;
  if (shared_->backlog.size() + bytes.size() > shared_->maxBacklog) {
    ++shared_->droppedTotal;
    ++shared_->droppedUnannounced;
    return false;
  }
  // Grown by hand so that its capacity never passes the bound.
  std::string& backlog = shared_->backlog;
  std::size_t need = backlog.size() + bytes.size();
  if (need > backlog.capacity())
    backlog.reserve(std::min(shared_->maxBacklog, std::max(need, 2 * backlog.capacity())));
  backlog.append(bytes);
  shared_->wake.notify_one();
  return true;
}

uint64_t DescriptorWriter::dropped() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->droppedTotal;
}

}  // namespace uvreactor
