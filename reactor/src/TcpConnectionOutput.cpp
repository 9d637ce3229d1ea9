// TcpConnection's output path: send(), the gathered write of a flush, the
// uv_write that waits for a full kernel buffer, write callbacks, and the
// water marks and slow-consumer cap (see OutputQueue and FlushList).
#include <string>

#include "Platform.hpp"  // kMaxIov: buffers per gathered write (the list is on our stack)
#include "TcpConnection.hpp"
#include "UvBuffer.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::detail {

struct TcpConnection::WriteRequest {
  uv_write_t req;
  TcpConnection* connection;
  WriteRequest* next = nullptr;
  uint64_t start;  // queue position of its first byte
  std::vector<OutputQueue::Segment> segments;
};

void TcpConnection::send(std::string_view bytes) {
  if (!close_.takesOutput() || bytes.empty()) return;
  // Bytes of the read being delivered stay in the slab until it returns,
  // and afterRead() writes or copies them before that: no copy on the echo
  // path. The first such view, with nothing else queued, is only noted.
  if (inRead_ && loop_.inReadSlab(bytes.data())) {
    if (echoData_ == nullptr && queue_.empty()) {
      echoData_ = bytes.data();
      echoSize_ = static_cast<uint32_t>(bytes.size());  // within the slab
      return;
    }
    spillEcho();
    queue_.appendBorrowed(bytes);
  } else {
    spillEcho();
    queue_.appendCopy(bytes);
  }
  afterSend();
}

void TcpConnection::spillEchoSlow() {
  queue_.appendBorrowed(std::string_view(echoData_, echoSize_));
  echoData_ = nullptr;
  echoSize_ = 0;
}

void TcpConnection::send(const Payload& payload) {
  if (!close_.takesOutput() || payload.empty()) return;
  spillEcho();
  queue_.append(payload);
  afterSend();
}

void TcpConnection::send(const Payload& payload, WriteCallback done) {
  if (!close_.takesOutput()) {
    if (done) done(Error(UV_ECANCELED, "write " + peer_.toString() + ": connection closing"));
    return;
  }
  spillEcho();
  queue_.append(payload);
  // A completion is always reported from a flush or a write callback, never
  // from inside send(), so the caller is not re-entered.
  if (done) queue_.addCallback(std::move(done));
  afterSend();
}

// Out of line: this iteration's output passed the high-water mark. Holding
// more for one write saves nothing and costs memory, so it goes to the
// kernel now; only what the kernel refuses counts against the marks and the
// slow-consumer cap (a healthy reader is never cut off for output we held).
void TcpConnection::overflow() {
  writeQueued(false);
  OutputQueue& out = wire();
  if (!out.empty() || out.hasCallbacks() || !queue_.empty()) loop_.flushList().add(*this);
}

void TcpConnection::writeQueued(bool report) {
  if (close_.closing()) return;
  if (tls_) [[unlikely]] {
    sealTls();
    if (close_.closing()) return;
  }
  OutputQueue& out = wire();
  // While libuv still holds bytes of an earlier uv_write, anything written
  // now would overtake them; its completion lists us again.
  if (!out.empty() && libuvUnwritten() == 0) {
    uv_buf_t bufs[kMaxIov];
    while (!out.empty()) {
      unsigned n = out.gather(bufs, kMaxIov);
      std::size_t want = 0;
      for (unsigned i = 0; i < n; ++i) want += bufs[i].len;
      int written = uv_try_write(stream(), bufs, n);
      if (written < 0 && written != UV_EAGAIN) {
        abortWith(Error::fromUv(written, "write", peer_.toString()));
        return;
      }
      if (written > 0) {
        out.consume(static_cast<std::size_t>(written));
        touch();
      }
      if (written < 0 || static_cast<std::size_t>(written) < want) {
        handOver(out, bufs);
        break;
      }
    }
  }
  if (close_.closing()) return;
  if (report && out.hasCallbacks()) reportWritten();
  if (close_.closing()) return;
  afterOutputChange();
  if (close_.closing() || !out.empty() || !queue_.empty()) return;
  if (close_.finDue()) beginShutdown();
}

// The kernel is full: the front of the queue goes to one uv_write, which
// waits for the socket to become writable (libuv has no other way to ask).
void TcpConnection::handOver(OutputQueue& out, uv_buf_t* bufs) {
  out.ownBorrowed();
  unsigned n = out.gather(bufs, kMaxIov);
  auto* request = new WriteRequest{{}, this, nullptr, out.handed(), out.takeFront(n)};
  request->req.data = request;
  Cold& c = cold();
  if (c.newestWrite != nullptr) {
    c.newestWrite->next = request;
  } else {
    c.oldestWrite = request;
  }
  c.newestWrite = request;
  int rc = uv_write(&request->req, stream(), bufs, n, [](uv_write_t* req, int status) {
    auto* r = static_cast<WriteRequest*>(req->data);
    r->connection->onWriteRequestDone(r, status);
  });
  if (rc != 0) {
    // Never queued: libuv will not call back, so unlink it here.
    onWriteRequestDone(request, UV_ECANCELED);
    abortWith(Error::fromUv(rc, "write", peer_.toString()));
  }
}

void TcpConnection::onWriteRequestDone(WriteRequest* request, int status) {
  // Requests complete in order, so this is the oldest.
  Cold& c = *cold_;  // made by handOver
  c.oldestWrite = request->next;
  if (c.oldestWrite == nullptr) c.newestWrite = nullptr;
  delete request;
  if (status < 0) {
    // Cancelled by our close: onClosed reports the callbacks.
    if (status != UV_ECANCELED) abortWith(Error::fromUv(status, "write", peer_.toString()));
    return;
  }
  touch();
  // Report, re-check the marks and write what queued meanwhile, at the
  // loop's next flush point (before it waits again).
  if (!close_.closing()) loop_.flushList().add(*this);
}

void TcpConnection::reportWritten() {
  // libuv keeps the bytes of a failed write counted until its callback, so
  // when it holds none, every byte handed over so far is in the kernel.
  OutputQueue& out = wire();
  uint64_t confirmed =
      libuvUnwritten() == 0 || oldestWrite() == nullptr ? out.handed() : oldestWrite()->start;
  std::vector<WriteCallback> due;
  out.takeDue(confirmed, due);
  for (auto& done : due) guarded([&] { done(Error()); });
}

void TcpConnection::afterOutputChange() {
  if (close_.closing()) return;
  std::size_t held = outputMemory();
  if (held > options_->maxQueuedBytes) {
    std::string why = "slow consumer " + peer_.toString() + ": over " +
                      std::to_string(options_->maxQueuedBytes) + " bytes of output queued";
    static LogRateLimit slowConsumerLog;  // peers can cause it: rate-limited
    slowConsumerLog.log(LogLevel::Info, why);
    close_.cutOff(Cutoff::SlowConsumer);
    abortWith(Error(UV_ENOBUFS, std::move(why)));
    return;
  }
  if (!gate_.aboveHigh() && held > options_->highWaterMark) {
    gate_.setAboveHigh(true);
    updateReading();
    if (close_.isOpen()) guarded([&] { handler_->onHighWater(*this); });
  } else if (gate_.aboveHigh() && held <= options_->lowWaterMark) {
    gate_.setAboveHigh(false);
    updateReading();
    if (close_.isOpen()) guarded([&] { handler_->onLowWater(*this); });
  }
}

}  // namespace uvreactor::detail
