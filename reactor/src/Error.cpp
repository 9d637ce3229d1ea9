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
