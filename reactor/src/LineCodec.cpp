#include "uvreactor/LineCodec.hpp"

#include <uv.h>

namespace uvreactor {

Error LineCodec::fail() {
  failed_ = true;
  std::string().swap(partial_);  // give the memory back, not just the size
  return Error(UV_EMSGSIZE, "line too long (limit " + std::to_string(max_) + " bytes)");
}

}  // namespace uvreactor
