#include "redis/Resp.hpp"

#include <uv.h>

#include <algorithm>
#include <charconv>

namespace uvreactor::protocols::redis {
namespace {

bool parseInteger(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

void appendBulk(std::string& out, std::string_view arg) {
  out += '$';
  out += std::to_string(arg.size());
  out += "\r\n";
  out.append(arg);
  out += "\r\n";
}

// The heap a string's text holds (none while it fits in the string itself).
std::size_t textHeap(const std::string& text) {
  static const std::size_t kInline = std::string().capacity();
  return text.capacity() > kInline ? text.capacity() + 1 : 0;
}

}  // namespace

Error RespParser::fail(Error error) {
  failed_ = true;
  // A failed stream is dropped: hand back what the unfinished reply held.
  open_ = std::vector<Open>();
  line_ = std::string();
  bulk_ = std::string();
  held_ = 0;
  if (!error) error = Error(UV_EPROTO, "redis: the reply stream failed earlier");
  if (error.code() == -1) error = Error(UV_EPROTO, error.message());
  return error;
}

bool RespParser::header(std::string_view line, RespValue& value, Error& error) {
  if (line.empty()) {
    error = Error(-1, "redis: empty reply line");
    return false;
  }
  char type = line[0];
  std::string_view rest = line.substr(1);
  int64_t n = 0;
  switch (type) {
    case '+':
      value.type = RespValue::Type::SimpleString;
      value.text.assign(rest);
      return true;
    case '-':
      value.type = RespValue::Type::Error;
      value.text.assign(rest);
      return true;
    case ':':
      if (!parseInteger(rest, n)) break;
      value.type = RespValue::Type::Integer;
      value.integer = n;
      return true;
    case '$':
      if (!parseInteger(rest, n) || n < -1) break;
      if (n == -1) return true;  // Null
      if (static_cast<uint64_t>(n) > limits_.maxBulkBytes) {
        error = Error(UV_EMSGSIZE, "redis: bulk string of " + std::to_string(n) + " bytes, over " +
                                       std::to_string(limits_.maxBulkBytes));
        return false;
      }
      if (!charge(static_cast<std::size_t>(n) + 2, error)) return false;
      bulkNeed_ = n + 2;
      bulk_.reserve(static_cast<std::size_t>(n) + 2);
      return false;
    case '*':
      if (!parseInteger(rest, n) || n < -1) break;
      if (n == -1) return true;  // Null array
      if (static_cast<uint64_t>(n) > limits_.maxElements) {
        error = Error(UV_EMSGSIZE, "redis: array of " + std::to_string(n) + " elements, over " +
                                       std::to_string(limits_.maxElements));
        return false;
      }
      value.type = RespValue::Type::Array;
      if (n == 0) return true;
      if (open_.size() >= limits_.maxDepth) {
        error = Error(UV_EMSGSIZE,
                      "redis: arrays nested deeper than " + std::to_string(limits_.maxDepth));
        return false;
      }
      open_.push_back(Open{std::move(value), static_cast<std::size_t>(n)});
      value = RespValue();
      return false;
    default:
      break;
  }
  error = Error(-1, "redis: malformed reply line");
  return false;
}

bool RespParser::charge(std::size_t bytes, Error& error) {
  if (bytes > limits_.maxReplyBytes - std::min(held_, limits_.maxReplyBytes)) {
    error = Error(UV_EMSGSIZE, "redis: a reply that would hold over " +
                                   std::to_string(limits_.maxReplyBytes) + " bytes once parsed");
    return false;
  }
  held_ += bytes;
  return true;
}

bool RespParser::complete(RespValue& value, Error& error) {
  // Simple strings and errors were not counted yet; bulk strings were, in
  // full, at their header.
  if (value.type != RespValue::Type::BulkString && !charge(textHeap(value.text), error))
    return false;
  while (!open_.empty()) {
    Open& top = open_.back();
    auto& elements = top.array.elements;
    if (elements.size() == elements.capacity()) {
      // Grown by doubling up to the declared length, and counted before it
      // is allocated; never reserved in full on the header's word alone.
      std::size_t declared = elements.size() + top.remaining;
      std::size_t next = std::min(declared, std::max<std::size_t>(4, 2 * elements.capacity()));
      if (!charge((next - elements.capacity()) * sizeof(RespValue), error)) return false;
      elements.reserve(next);
    }
    elements.push_back(std::move(value));
    if (--top.remaining != 0) return false;
    value = std::move(top.array);
    open_.pop_back();
  }
  held_ = 0;  // a whole reply: the next one starts from nothing
  return true;
}

void encodeCommand(std::string& out, std::initializer_list<std::string_view> args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (std::string_view arg : args) appendBulk(out, arg);
}

void encodeCommand(std::string& out, const std::vector<std::string>& args) {
  out += '*';
  out += std::to_string(args.size());
  out += "\r\n";
  for (const std::string& arg : args) appendBulk(out, arg);
}

}  // namespace uvreactor::protocols::redis
