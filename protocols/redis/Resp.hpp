// RESP, Redis's wire protocol (version 2): replies parsed incrementally from
// a byte stream, and commands encoded as arrays of bulk strings.
//
// Pure (no I/O), in the manner of the reactor's codecs: feed it whatever
// arrived; it calls back once per complete top-level reply. Parsing is
// resumable (an explicit stack of open arrays), so a reply split over many
// reads costs linear time, and bounded: a bulk string over maxBulkBytes, an
// array over maxElements, nesting over maxDepth, a header line over kMaxLine
// or a reply whose parsed values would hold over maxReplyBytes is a protocol
// error, reported as soon as it is certain. The last bound is on what the
// values cost in memory (each element's RespValue, array capacity, string
// heap), not on wire bytes: ":1\r\n" is 4 bytes on the wire and about 72
// parsed, so per-item limits alone let one reply of small items cost ~18
// times its size. After an error the parser stays failed and has released
// what it held (the connection must be dropped). Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "uvreactor/Error.hpp"

namespace uvreactor::protocols::redis {

struct RespValue {
  enum class Type : uint8_t { SimpleString, Error, Integer, BulkString, Array, Null };
  Type type = Type::Null;
  std::string text;  // SimpleString, Error, BulkString
  int64_t integer = 0;
  std::vector<RespValue> elements;  // Array

  bool isError() const { return type == Type::Error; }
  // The text of a string reply, or "" for anything else.
  std::string_view str() const {
    return type == Type::SimpleString || type == Type::BulkString ? std::string_view(text)
                                                                  : std::string_view();
  }
};

struct RespLimits {
  std::size_t maxBulkBytes = 8 * 1024 * 1024;
  std::size_t maxElements = 1024 * 1024;
  std::size_t maxDepth = 8;
  // Memory one reply may hold while it is parsed (and when delivered).
  std::size_t maxReplyBytes = 32 * 1024 * 1024;
};

class RespParser {
 public:
  static constexpr std::size_t kMaxLine = 64 * 1024;

  explicit RespParser(RespLimits limits = {}) : limits_(limits) {}

  // Calls onReply(RespValue&&) per complete top-level reply. Returns an
  // error (kind TooLong for a limit, Other for malformed input) and stops.
  template <class OnReply>
  Error feed(std::string_view input, OnReply&& onReply);

  bool failed() const { return failed_; }
  // What the reply being parsed holds now, as counted against maxReplyBytes.
  std::size_t heldBytes() const { return held_; }

 private:
  struct Open {
    RespValue array;
    std::size_t remaining;
  };
  // Adds a finished value to the innermost open array, or returns true when
  // it is a whole reply (then it is in `value`); false with `error` set when
  // the reply would hold over maxReplyBytes.
  bool complete(RespValue& value, Error& error);
  // Counts `bytes` more against maxReplyBytes, or sets `error`.
  bool charge(std::size_t bytes, Error& error);
  // Parses one header line; returns true when it finished a value.
  bool header(std::string_view line, RespValue& value, Error& error);
  Error fail(Error error);

  RespLimits limits_;
  std::vector<Open> open_;
  std::string line_;       // an unfinished header line
  int64_t bulkNeed_ = -1;  // bytes of bulk payload + CRLF still to come
  std::string bulk_;
  std::size_t held_ = 0;  // what the reply being parsed holds, as counted
  bool failed_ = false;
};

// Appends the command `args` as RESP: an array of bulk strings.
void encodeCommand(std::string& out, std::initializer_list<std::string_view> args);
void encodeCommand(std::string& out, const std::vector<std::string>& args);

template <class OnReply>
Error RespParser::feed(std::string_view input, OnReply&& onReply) {
  if (failed_) return fail(Error());
  while (!input.empty()) {
    RespValue value;
    bool done = false;
    if (bulkNeed_ >= 0) {
      std::size_t take = std::min<std::size_t>(input.size(), static_cast<std::size_t>(bulkNeed_));
      bulk_.append(input.substr(0, take));
      input.remove_prefix(take);
      bulkNeed_ -= static_cast<int64_t>(take);
      if (bulkNeed_ > 0) return {};
      bulkNeed_ = -1;
      if (bulk_.size() < 2 || bulk_.compare(bulk_.size() - 2, 2, "\r\n") != 0) {
        return fail(Error(-1, "redis: bulk string not followed by CRLF"));
      }
      bulk_.resize(bulk_.size() - 2);
      value.type = RespValue::Type::BulkString;
      value.text = std::move(bulk_);
      bulk_.clear();
      done = true;
    } else {
      std::size_t lf = input.find('\n');
      std::size_t take = lf == std::string_view::npos ? input.size() : lf + 1;
      if (line_.size() + take > kMaxLine) return fail(Error(-1, "redis: reply line too long"));
      line_.append(input.substr(0, take));
      input.remove_prefix(take);
      if (lf == std::string_view::npos) return {};
      if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
        return fail(Error(-1, "redis: reply line not ended by CRLF"));
      }
      std::string line = std::move(line_);
      line_.clear();
      Error error;
      done = header(std::string_view(line).substr(0, line.size() - 2), value, error);
      if (error) return fail(std::move(error));
    }
    if (!done) continue;
    Error error;
    bool whole = complete(value, error);
    if (error) return fail(std::move(error));
    if (whole) onReply(std::move(value));
  }
  return {};
}

}  // namespace uvreactor::protocols::redis
