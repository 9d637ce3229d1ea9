// Feeds arbitrary bytes to the RESP parser whole and in arbitrary pieces:
// no crash, no value over the limits, never more held than the reply bound,
// and the same replies (and the same verdict) either way.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "redis/Resp.hpp"

using uvreactor::protocols::redis::RespLimits;
using uvreactor::protocols::redis::RespParser;
using uvreactor::protocols::redis::RespValue;

namespace {

void flatten(const RespValue& v, std::string& out, const RespLimits& limits, std::size_t depth) {
  // Bulk strings are bounded by the limit; simple strings and errors by
  // the header line's bound.
  std::size_t textLimit =
      v.type == RespValue::Type::BulkString ? limits.maxBulkBytes : RespParser::kMaxLine;
  if (depth > limits.maxDepth + 1 || v.text.size() > textLimit ||
      v.elements.size() > limits.maxElements) {
    std::abort();
  }
  out += std::to_string(static_cast<int>(v.type)) + ":" + v.text + ":" + std::to_string(v.integer) +
         "[";
  for (const auto& e : v.elements) flatten(e, out, limits, depth + 1);
  out += "]";
}

std::string parse(std::string_view input, std::size_t piece, const RespLimits& limits,
                  bool& failed) {
  RespParser parser(limits);
  std::string out;
  failed = false;
  for (std::size_t i = 0; i < input.size() && !failed; i += piece) {
    failed = static_cast<bool>(parser.feed(input.substr(i, piece), [&](RespValue&& v) {
      flatten(v, out, limits, 0);
      out += "|";
    }));
    if (parser.heldBytes() > limits.maxReplyBytes) std::abort();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  RespLimits limits;
  limits.maxBulkBytes = 1 + data[0] % 64;
  limits.maxElements = 1 + data[0] % 8;
  limits.maxDepth = 1 + data[0] % 4;
  limits.maxReplyBytes = 256 + (data[0] >> 3) * 512u;
  std::size_t piece = 1 + data[1] % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  bool wholeFailed = false, splitFailed = false;
  std::string whole = parse(input, input.size() + 1, limits, wholeFailed);
  std::string split = parse(input, piece, limits, splitFailed);
  // Fed in pieces, the parser may stop at the failing piece: what came
  // before it is the same, and so is the verdict.
  if (wholeFailed != splitFailed) std::abort();
  if (!wholeFailed && whole != split) std::abort();
  if (wholeFailed && whole.compare(0, split.size(), split) != 0 &&
      split.compare(0, whole.size(), whole) != 0) {
    std::abort();
  }
  return 0;
}
