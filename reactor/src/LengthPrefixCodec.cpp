#include "uvreactor/LengthPrefixCodec.hpp"

#include <uv.h>

namespace uvreactor {

void LengthPrefixCodec::encode(std::string& out, std::string_view frame) {
  auto n = static_cast<uint32_t>(frame.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(frame);
}

Error LengthPrefixCodec::fail(std::size_t announced) {
  failed_ = true;
  std::string().swap(partial_);
  std::string text = "frame too large (limit " + std::to_string(max_) + " bytes";
  if (announced != 0) text += ", announced " + std::to_string(announced);
  return Error(UV_EMSGSIZE, text + ")");
}

}  // namespace uvreactor
