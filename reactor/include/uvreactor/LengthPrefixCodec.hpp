// LengthPrefixCodec: frames preceded by a 4-byte big-endian length.
//
// Pure (no I/O). A frame that arrives whole is passed as a view into the
// input; only an unfinished frame is buffered. A header announcing more than
// maxFrameSize is an error at once, before any of the body is buffered, so a
// garbage header cannot make us allocate. After an error the codec stays failed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "uvreactor/Error.hpp"

namespace uvreactor {

class LengthPrefixCodec {
 public:
  static constexpr std::size_t kHeaderSize = 4;

  explicit LengthPrefixCodec(std::size_t maxFrameSize = 1024 * 1024) : max_(maxFrameSize) {}

  // Calls onFrame(std::string_view) per complete frame; a bool false return
  // stops decoding and drops the rest. Returns an error (UV_EMSGSIZE) for a
  // frame over the limit.
  template <class OnFrame>
  Error feed(std::string_view input, OnFrame&& onFrame);

  std::size_t maxFrameSize() const { return max_; }
  std::size_t buffered() const { return partial_.size(); }
  bool failed() const { return failed_; }

  static void encode(std::string& out, std::string_view frame);

 private:
  Error fail(std::size_t announced);
  static uint32_t readHeader(const char* p) {
    auto b = reinterpret_cast<const unsigned char*>(p);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }

  std::size_t max_;
  std::string partial_;  // an unfinished header and/or frame, header included
  bool failed_ = false;
};

template <class OnFrame>
Error LengthPrefixCodec::feed(std::string_view input, OnFrame&& onFrame) {
  if (failed_) return fail(0);
  auto deliver = [&](std::string_view frame) {
    if constexpr (std::is_same_v<std::invoke_result_t<OnFrame, std::string_view>, bool>) {
      return onFrame(frame);
    } else {
      onFrame(frame);
      return true;
    }
  };
  while (!input.empty()) {
    if (!partial_.empty()) {
      // Complete the header first, then the body, from the new input.
      if (partial_.size() < kHeaderSize) {
        std::size_t take = std::min(kHeaderSize - partial_.size(), input.size());
        partial_.append(input.substr(0, take));
        input.remove_prefix(take);
        if (partial_.size() < kHeaderSize) return {};
        if (readHeader(partial_.data()) > max_) return fail(readHeader(partial_.data()));
      }
      std::size_t want = kHeaderSize + readHeader(partial_.data()) - partial_.size();
      std::size_t take = std::min(want, input.size());
      partial_.append(input.substr(0, take));
      input.remove_prefix(take);
      if (take < want) return {};
      bool more = deliver(std::string_view(partial_).substr(kHeaderSize));
      partial_.clear();
      if (!more) return {};
      continue;
    }
    if (input.size() < kHeaderSize) {
      partial_.assign(input);
      return {};
    }
    std::size_t length = readHeader(input.data());
    if (length > max_) return fail(length);
    if (input.size() < kHeaderSize + length) {
      partial_.assign(input);
      return {};
    }
    bool more = deliver(input.substr(kHeaderSize, length));
    input.remove_prefix(kHeaderSize + length);
    if (!more) return {};
  }
  return {};
}

}  // namespace uvreactor
