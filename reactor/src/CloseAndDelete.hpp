// Internal: the one way a heap-held libuv handle is released.
//
// libuv may still touch a handle until its close callback runs, so the object
// that embeds the handle is deleted there and nowhere else. The owner's
// destructor calls this and forgets the pointer; the object outlives it by
// up to one loop iteration.
#pragma once

#include <uv.h>

#include "ReclaimedHandles.hpp"

namespace uvreactor::detail {

template <class T>
void closeAndDelete(T* object, uv_handle_t* handle) {
  handle->data = object;
  if (uv_is_closing(handle)) {
    // Loop::close() reclaimed it: closed, and no callback will come. Any
    // other close under way frees the object in its own callback.
    if (takeReclaimed(handle)) delete object;
    return;
  }
  uv_close(handle, [](uv_handle_t* h) { delete static_cast<T*>(h->data); });
}

}  // namespace uvreactor::detail
