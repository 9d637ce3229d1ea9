#include "uvreactor/UdpSocket.hpp"

#include <cstring>
#include <string>

#include "CloseAndDelete.hpp"
#include "ExceptionBarrier.hpp"
#include "Platform.hpp"
#include "UvBuffer.hpp"

namespace uvreactor {

struct UdpSocket::Impl {
  Impl(Loop& l, DatagramHandler* h, UdpOptions o)
      : loop(l), handler(h), options(o), buffer(new char[o.maxDatagramSize]) {}
  ~Impl() { delete[] buffer; }

  // A queued datagram: the request, its copy of the bytes, and the socket.
  struct SendReq {
    uv_udp_send_t req;
    Impl* impl;
    std::size_t cost;  // what it counts against maxQueuedBytes
    char bytes[1];
  };
  // What a queued datagram holds: the allocation (request, bookkeeping and
  // bytes) and the allocator's own header, so an empty datagram is not free.
  static std::size_t costOf(std::size_t bytes) {
    return sizeof(SendReq) + bytes + 2 * sizeof(void*);
  }

  Loop& loop;
  DatagramHandler* handler;  // null once the owning UdpSocket is gone
  UdpSocket* owner = nullptr;
  UdpOptions options;
  uv_udp_t udp;
  Endpoint local;
  std::string handlerName;  // names the socket in a handler's exception
  UdpStats stats;
  std::size_t queued = 0;
  std::size_t inflightSends = 0;
  bool closed = false;
  char* buffer;

  void onReceive(ssize_t nread, const uv_buf_t* buf, const sockaddr* addr, unsigned flags);
  void maybeFree() {
    if (closed && inflightSends == 0) delete this;
  }
};

Result<std::unique_ptr<UdpSocket>> UdpSocket::bind(Loop& loop, const Endpoint& at,
                                                   DatagramHandler& handler, UdpOptions options) {
  auto* impl = new Impl(loop, &handler, options);
  int rc = options.reusePort
               ? uv_udp_init_ex(loop.raw(), &impl->udp, static_cast<unsigned>(at.family()))
               : uv_udp_init(loop.raw(), &impl->udp);
  if (rc != 0) {
    delete impl;  // no handle to close
    return Error::fromUv(rc, "socket udp", at.toString());
  }
  impl->udp.data = impl;
  std::unique_ptr<UdpSocket> socket(new UdpSocket(impl));
  impl->owner = socket.get();
  if (options.reusePort) {
    rc = detail::allowReusePort(reinterpret_cast<uv_handle_t*>(&impl->udp));
    if (rc != 0) return Error::fromUv(rc, "reuse-port udp", at.toString());
  }
  // No SO_REUSEADDR: on Linux it lets any other socket (of any user) bind
  // the same UDP port and take the datagrams meant for this one.
  rc = uv_udp_bind(&impl->udp, at.sockaddrPtr(), at.isV6() ? UV_UDP_IPV6ONLY : 0);
  if (rc == 0) {
    rc = uv_udp_recv_start(
        &impl->udp,
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          auto* self = static_cast<Impl*>(h->data);
          *buf = detail::uvBuffer(self->buffer, self->options.maxDatagramSize);
        },
        [](uv_udp_t* u, ssize_t nread, const uv_buf_t* buf, const sockaddr* addr, unsigned flags) {
          static_cast<Impl*>(u->data)->onReceive(nread, buf, addr, flags);
        });
  }
  if (rc != 0) return Error::fromUv(rc, "bind udp", at.toString());
  sockaddr_storage bound;
  int length = sizeof bound;
  uv_udp_getsockname(&impl->udp, reinterpret_cast<sockaddr*>(&bound), &length);
  impl->local = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&bound));
  impl->handlerName = "datagram handler on udp " + impl->local.toString();
  return socket;
}

// A handler that throws is logged and the socket carries on: one bad
// datagram must not stop the service for every other sender.
void UdpSocket::Impl::onReceive(ssize_t nread, const uv_buf_t* buf, const sockaddr* addr,
                                unsigned flags) {
  if (handler == nullptr) return;
  if (nread < 0) {
    Error e = Error::fromUv(static_cast<int>(nread), "recv", local.toString());
    detail::shielded(handlerName, [&] { handler->onError(*owner, e); });
    return;
  }
  if (addr == nullptr) return;  // nothing more to read this round
  Endpoint from = Endpoint::fromSockaddr(addr);
  std::string_view bytes(buf->base, static_cast<std::size_t>(nread));
  if (flags & UV_UDP_PARTIAL) {
    ++stats.truncated;
    detail::shielded(handlerName, [&] { handler->onTruncated(*owner, from, bytes); });
    return;
  }
  ++stats.received;
  detail::shielded(handlerName, [&] { handler->onDatagram(*owner, from, bytes); });
}

UdpSocket::~UdpSocket() {
  impl_->handler = nullptr;
  auto* handle = reinterpret_cast<uv_handle_t*>(&impl_->udp);
  if (uv_is_closing(handle) && detail::takeReclaimed(handle)) {  // by Loop::close(): no callback
    impl_->closed = true;
    impl_->maybeFree();
    return;
  }
  uv_close(handle, [](uv_handle_t* h) {
    auto* self = static_cast<Impl*>(h->data);
    self->closed = true;
    self->maybeFree();
  });
}

Error UdpSocket::send(const Endpoint& to, std::string_view bytes) {
  Impl& s = *impl_;
  uv_buf_t buf = detail::uvBuffer(bytes.data(), bytes.size());
  if (s.inflightSends == 0) {
    int rc = uv_udp_try_send(&s.udp, &buf, 1, to.sockaddrPtr());
    if (rc >= 0) {
      ++s.stats.sent;
      return {};
    }
    if (rc != UV_EAGAIN) return Error::fromUv(rc, "send udp", to.toString());
  }
  std::size_t cost = Impl::costOf(bytes.size());
  if (s.queued + cost > s.options.maxQueuedBytes) {
    ++s.stats.dropped;
    return Error(UV_ENOBUFS, "send udp " + to.toString() + ": send queue full, datagram dropped");
  }
  // One allocation holds the request and the bytes.
  void* memory = ::operator new(sizeof(Impl::SendReq) + bytes.size());
  auto* req = static_cast<Impl::SendReq*>(memory);
  req->impl = &s;
  req->cost = cost;
  if (!bytes.empty()) std::memcpy(req->bytes, bytes.data(), bytes.size());
  buf = detail::uvBuffer(req->bytes, bytes.size());
  int rc =
      uv_udp_send(&req->req, &s.udp, &buf, 1, to.sockaddrPtr(), [](uv_udp_send_t* r, int status) {
        auto* q = reinterpret_cast<Impl::SendReq*>(r);
        Impl* self = q->impl;
        self->queued -= q->cost;
        --self->inflightSends;
        if (status == 0) ++self->stats.sent;
        ::operator delete(q);
        self->maybeFree();
      });
  if (rc != 0) {
    ::operator delete(memory);
    return Error::fromUv(rc, "send udp", to.toString());
  }
  s.queued += cost;
  ++s.inflightSends;
  return {};
}

const Endpoint& UdpSocket::localEndpoint() const {
  return impl_->local;
}
const UdpStats& UdpSocket::stats() const {
  return impl_->stats;
}
std::size_t UdpSocket::queuedBytes() const {
  return impl_->queued;
}

}  // namespace uvreactor
