#include "redis/Resp.hpp"

#include <uv.h>

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

}  // namespace

Error RespParser::fail(Error error) {
  failed_ = true;
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

bool RespParser::complete(RespValue& value) {
  while (!open_.empty()) {
    Open& top = open_.back();
    top.array.elements.push_back(std::move(value));
    if (--top.remaining != 0) return false;
    value = std::move(top.array);
    open_.pop_back();
  }
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
