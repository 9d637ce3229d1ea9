#include "uvreactor/Error.hpp"

#include <uv.h>

namespace uvreactor {

Error Error::fromUv(int uvCode, std::string_view operation, std::string_view subject) {
  std::string text(operation);
  if (!subject.empty()) {
    text += ' ';
    text += subject;
  }
  text += ": ";
  text += uv_strerror(uvCode);
  return Error(uvCode, std::move(text));
}

}  // namespace uvreactor

namespace uvreactor {

ErrorKind Error::kind() const {
  switch (code_) {
    case 0:
      return ErrorKind::None;
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_ECONNABORTED:
      return ErrorKind::Reset;
    case UV_ETIMEDOUT:
      return ErrorKind::TimedOut;
    case UV_ENOBUFS:
      return ErrorKind::SlowConsumer;
    case UV_EMSGSIZE:
      return ErrorKind::TooLong;
    case UV_ECANCELED:
      return ErrorKind::Cancelled;
    case UV_ECONNREFUSED:
      return ErrorKind::Refused;
    case UV_EADDRINUSE:
      return ErrorKind::AddressInUse;
    default:
      return ErrorKind::Other;
  }
}

}  // namespace uvreactor
