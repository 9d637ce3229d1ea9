// LineCodec: splits a byte stream into lines ending in LF or CRLF.
//
// Pure (no I/O): a handler feeds it whatever arrived and gets whole lines,
// without the terminator. Lines that arrive whole in one read are passed as
// views into the input (no copy); only an unfinished tail is buffered, and
// never more than maxLineLength (+1 for a CR) bytes: a longer line is an
// error as soon as it is certain, not when its newline finally comes, so a
// peer dribbling bytes without a newline cannot grow memory. After an error
// the codec stays failed. Bytes are not interpreted (UTF-8 passes through).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "uvreactor/Error.hpp"

namespace uvreactor {

class LineCodec {
 public:
  explicit LineCodec(std::size_t maxLineLength = 4096) : max_(maxLineLength) {}

  // Calls onLine(std::string_view) per complete line. If onLine returns bool,
  // false stops decoding and drops the rest of `input` (the caller is closing).
  // Returns an error (code UV_EMSGSIZE) for a line over the limit.
  template <class OnLine>
  Error feed(std::string_view input, OnLine&& onLine);

  std::size_t maxLineLength() const { return max_; }
  std::size_t buffered() const { return partial_.size(); }
  bool failed() const { return failed_; }

  // Appends `line` and a LF to `out`.
  static void encode(std::string& out, std::string_view line) {
    out.append(line);
    out.push_back('\n');
  }

 private:
  Error fail();

  std::size_t max_;
  std::string partial_;
  bool failed_ = false;
};

template <class OnLine>
Error LineCodec::feed(std::string_view input, OnLine&& onLine) {
  if (failed_) return fail();
  while (!input.empty()) {
    std::size_t nl = input.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + input.size() > max_ + 1) return fail();
      partial_.append(input);
      return {};
    }
    if (partial_.size() + nl > max_ + 1) return fail();
    std::string_view line = input.substr(0, nl);
    if (!partial_.empty()) {
      partial_.append(line);
      line = partial_;
    }
    input.remove_prefix(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_) return fail();
    bool more = true;
    if constexpr (std::is_same_v<std::invoke_result_t<OnLine, std::string_view>, bool>) {
      more = onLine(line);
    } else {
      onLine(line);
    }
    partial_.clear();
    if (!more) return {};
  }
  return {};
}

}  // namespace uvreactor
