// Feeds arbitrary bytes to LineCodec in arbitrary pieces and checks the
// invariants: no line over the limit, no buffering over the limit, and the
// same lines whether fed whole or split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "uvreactor/LineCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t limit = 1 + data[0] % 64;
  std::size_t piece = 1 + data[1] % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  auto run = [&](std::size_t step, std::vector<std::string>& lines) {
    uvreactor::LineCodec codec(limit);
    for (std::size_t pos = 0; pos < input.size(); pos += step) {
      auto e = codec.feed(input.substr(pos, step), [&](std::string_view l) {
        if (l.size() > limit) std::abort();
        lines.emplace_back(l);
      });
      if (codec.buffered() > limit + 1) std::abort();
      if (e) return true;
    }
    return false;
  };
  std::vector<std::string> whole, split;
  bool failedWhole = run(input.size() + 1, whole);
  bool failedSplit = run(piece, split);
  if (failedWhole != failedSplit) std::abort();
  if (!failedWhole && whole != split) std::abort();
  return 0;
}
