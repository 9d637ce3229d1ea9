// Internal: a uv_buf_t over bytes we own or borrow.
//
// libuv's uv_buf_init is an exported function, so every call crosses the
// shared-library boundary; on the per-message path that is measurable in
// instructions per message (bench/deterministic.py), so build it inline.
#pragma once

#include <uv.h>

#include <cstddef>

namespace uvreactor::detail {

inline uv_buf_t uvBuffer(const char* data, std::size_t size) {
  uv_buf_t buf;
  buf.base = const_cast<char*>(data);  // libuv's type is not const; it only reads
  buf.len = size;
  return buf;
}

}  // namespace uvreactor::detail
