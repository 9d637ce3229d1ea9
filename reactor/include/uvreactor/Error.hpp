// Error: the result of an operation that can fail, as a value.
//
// Errors never travel as exceptions out of a libuv callback; every fallible
// call returns an Error (or a Result<T>) whose message names the operation and
// the address it was about, e.g. "bind 127.0.0.1:9006: address already in use".
// An empty Error (code 0) means success. code() is libuv's error number;
// kind() tells the common cases apart without libuv's headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace uvreactor {

enum class ErrorKind : uint8_t {
  None,          // success
  Reset,         // the peer reset the connection, or it broke mid-write
  TimedOut,      // idle timeout, close timeout, connect timeout
  SlowConsumer,  // more output queued than the cap allows (UDP: send queue full)
  TooLong,       // a line or frame over its limit; a datagram too large to send
  Cancelled,     // closed by this side first, or a handler threw
  Refused,       // nothing listening, or turned away by a limit
  AddressInUse,  // bind: another socket has the address
  Other,
};

class [[nodiscard]] Error {
 public:
  Error() = default;
  Error(int code, std::string message) : code_(code), message_(std::move(message)) {}

  // Builds "operation subject: <libuv's text for code>".
  static Error fromUv(int uvCode, std::string_view operation, std::string_view subject = {});

  int code() const { return code_; }
  ErrorKind kind() const;
  const std::string& message() const { return message_; }
  bool ok() const { return code_ == 0; }
  explicit operator bool() const { return code_ != 0; }

 private:
  int code_ = 0;
  std::string message_;
};

// A value or the Error that prevented it.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace uvreactor
