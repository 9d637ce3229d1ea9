// Internal: OpenSSL's error queue as text for an Error's message.
#pragma once

#include <string>

namespace uvreactor::detail {

// The reasons on this thread's OpenSSL error queue ("key values mismatch"),
// oldest first, joined by "; "; the queue is emptied. "unknown error" if
// OpenSSL left none.
std::string takeOpenSslReason();

}  // namespace uvreactor::detail
