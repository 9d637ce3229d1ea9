// Internal: handles that Loop::close() closed on behalf of objects still
// alive (leaked, or destroyed after the loop in the wrong order).
//
// Loop::close() reports such handles as leaked and closes them so that the
// uv_loop_t can close; their owners do not hear of it. When an owner is
// destroyed later, it must free its memory without touching libuv (the
// handle is closed and the loop may be gone): it asks here. Only that rare
// path pays for the lookup: an owner asks only when uv_is_closing() says
// its handle is closed although it never closed it.
// Any thread (a mutex guards the set).
#pragma once

#include <uv.h>

namespace uvreactor::detail {

void markReclaimed(const uv_handle_t* handle);
// True once per handle that Loop::close() reclaimed (and forgets it).
bool takeReclaimed(const uv_handle_t* handle);

}  // namespace uvreactor::detail
