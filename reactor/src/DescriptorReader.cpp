#include "uvreactor/DescriptorReader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "CloseAndDelete.hpp"
#include "ExceptionBarrier.hpp"
#include "Platform.hpp"

namespace uvreactor {

struct DescriptorReader::Stream {
  union {
    uv_tty_t tty;
    uv_pipe_t pipe;
  } handle;
  DescriptorReader* owner = nullptr;

  uv_handle_t* raw() { return reinterpret_cast<uv_handle_t*>(&handle); }
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle); }
};

struct DescriptorReader::FileRead {
  uv_fs_t request;
  DescriptorReader* owner = nullptr;
  char buffer[Loop::kSlabSize];
};

namespace {

std::string describe(int fd) {
  return "descriptor " + std::to_string(fd);
}

}  // namespace

const char* DescriptorReader::kindName(Kind kind) {
  switch (kind) {
    case Kind::Terminal:
      return "terminal";
    case Kind::Pipe:
      return "pipe";
    case Kind::Socket:
      return "socket";
    case Kind::File:
      return "file";
  }
  return "?";
}

DescriptorReader::DescriptorReader(Kind kind, DataCallback onData, EndCallback onEnd)
    : kind_(kind), onData_(std::move(onData)), onEnd_(std::move(onEnd)) {}

Result<std::unique_ptr<DescriptorReader>> DescriptorReader::start(Loop& loop, int fd,
                                                                  DataCallback onData,
                                                                  EndCallback onEnd) {
  Kind kind;
  switch (uv_guess_handle(fd)) {
    case UV_TTY:
      kind = Kind::Terminal;
      break;
    case UV_NAMED_PIPE: {
      struct stat st {};
      kind = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) ? Kind::Socket : Kind::Pipe;
      break;
    }
    case UV_TCP:
      kind = Kind::Socket;
      break;
    case UV_FILE:
      kind = Kind::File;
      break;
    case UV_UDP:
      return Error(UV_EINVAL, "read " + describe(fd) + ": a UDP socket is not a stream");
    default:
      return Error(UV_EBADF, "read " + describe(fd) + ": not open");
  }
  std::unique_ptr<DescriptorReader> reader(
      new DescriptorReader(kind, std::move(onData), std::move(onEnd)));
  reader->loop_ = &loop;
  reader->fd_ = fd;
  if (kind == Kind::File) {
    reader->readFile();
    return reader;
  }
  auto* s = new Stream;
  int rc = 0;
  if (kind == Kind::Terminal) {
    // libuv reopens the terminal for a description of its own and leaves
    // descriptors 0-2 open when the handle closes.
    rc = uv_tty_init(loop.raw(), &s->handle.tty, fd, 1);
  } else {
    uv_pipe_init(loop.raw(), &s->handle.pipe, 0);
    int own = kind == Kind::Pipe ? detail::reopenPipeForReading(fd) : -1;
    if (own < 0) own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    rc = own < 0 ? UV_EMFILE : uv_pipe_open(&s->handle.pipe, own);  // the handle closes `own`
    if (rc != 0 && own >= 0) ::close(own);
  }
  if (rc != 0) {
    Error e = Error::fromUv(rc, "read", describe(fd));
    if (kind == Kind::Terminal) {
      delete s;  // uv_tty_init failed before registering the handle
    } else {
      detail::closeAndDelete(s, s->raw());
    }
    return e;
  }
  s->owner = reader.get();
  s->raw()->data = s;
  uv_unref(s->raw());
  reader->stream_ = s;
  rc = uv_read_start(
      s->stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<Stream*>(h->data);
        char* slab = self->owner->loop_->readSlab();
        *buf = uv_buf_init(slab, Loop::kSlabSize);
      },
      [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
        auto* self = static_cast<Stream*>(stream->data);
        if (self->owner == nullptr || nread == 0) return;
        if (nread > 0) {
          self->owner->deliver(std::string_view(buf->base, static_cast<std::size_t>(nread)));
          return;
        }
        uv_read_stop(stream);
        DescriptorReader* owner = self->owner;
        owner->end(nread == UV_EOF
                       ? Error()
                       : Error::fromUv(static_cast<int>(nread), "read", describe(owner->fd_)));
      });
  if (rc != 0) return Error::fromUv(rc, "read", describe(fd));
  return reader;
}

DescriptorReader::~DescriptorReader() {
  if (stream_ != nullptr) {
    stream_->owner = nullptr;
    detail::closeAndDelete(stream_, stream_->raw());
  }
  if (fileRead_ != nullptr) {
    fileRead_->owner = nullptr;  // its callback frees it
    (void)uv_cancel(reinterpret_cast<uv_req_t*>(&fileRead_->request));
  }
}

// The callbacks are copied first: the reader may be destroyed inside them.
void DescriptorReader::deliver(std::string_view bytes) {
  if (ended_) return;
  DataCallback callback = onData_;
  detail::shielded("descriptor reader", [&] { callback(bytes); });
}

void DescriptorReader::end(const Error& error) {
  if (ended_) return;
  ended_ = true;
  EndCallback callback = onEnd_;
  detail::shielded("descriptor reader", [&] { callback(error); });
}

// One read at a time on the thread pool, the next once this one is handed
// over: input is taken no faster than it is used.
void DescriptorReader::readFile() {
  if (fileRead_ == nullptr) {
    fileRead_ = new FileRead;
    fileRead_->owner = this;
    fileRead_->request.data = fileRead_;
  }
  uv_buf_t buf = uv_buf_init(fileRead_->buffer, sizeof fileRead_->buffer);
  int rc = uv_fs_read(loop_->raw(), &fileRead_->request, fd_, &buf, 1, -1, [](uv_fs_t* req) {
    auto* read = static_cast<FileRead*>(req->data);
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    DescriptorReader* owner = read->owner;
    if (owner == nullptr) {
      delete read;
      return;
    }
    if (n > 0) {
      owner->deliver(std::string_view(read->buffer, static_cast<std::size_t>(n)));
      if (read->owner == nullptr) {
        delete read;  // destroyed while delivering
      } else if (!owner->ended_) {
        owner->readFile();
      }
      return;
    }
    owner->fileRead_ = nullptr;
    delete read;
    owner->end(n == 0 ? Error() : Error::fromUv(static_cast<int>(n), "read", describe(owner->fd_)));
  });
  if (rc != 0) {
    delete fileRead_;
    fileRead_ = nullptr;
    end(Error::fromUv(rc, "read", describe(fd_)));
  }
}

}  // namespace uvreactor
