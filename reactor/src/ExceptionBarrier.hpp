// Internal: the one barrier between user code and libuv.
//
// Every callback the library makes into application code (handler methods,
// factories, write callbacks, datagram handlers, timer and signal
// callbacks, posted work) runs from a libuv callback, and an exception must
// never unwind through libuv's C frames (it would skip libuv's bookkeeping
// and terminate the process). Where the code belongs to a connection, the
// connection catches and aborts itself (TcpConnection::guarded); everywhere
// else shielded() catches anything, logs it naming the entry point, and
// the loop carries on.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::detail {

// "ENTRY threw: what()" for any exception.
inline std::string describeThrow(std::string_view entry, std::exception_ptr thrown) {
  std::string text(entry);
  try {
    std::rethrow_exception(thrown);
  } catch (const std::exception& e) {
    text += " threw: ";
    text += e.what();
  } catch (...) {
    text += " threw a non-standard exception";
  }
  return text;
}

// One limit for every barrier's line: a peer that makes a handler throw on
// each datagram or connection must not fill the log.
inline LogRateLimit& barrierLog() {
  static LogRateLimit limit;
  return limit;
}

// Runs `call`; returns false (after logging) if it threw.
template <class F>
bool shielded(std::string_view entry, F&& call) noexcept {
  try {
    call();
    return true;
  } catch (...) {
    try {
      barrierLog().log(LogLevel::Error, describeThrow(entry, std::current_exception()));
    } catch (...) {  // out of memory while logging: nothing more to do
    }
    return false;
  }
}

}  // namespace uvreactor::detail
