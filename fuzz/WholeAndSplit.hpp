// The check both codec fuzz targets make: the same input, fed whole and fed
// in pieces of `piece` bytes, gives the same messages (or fails in both),
// no message exceeds `limit`, and the codec never buffers more than
// `maxBuffered`. Aborts on any breach, which is what libFuzzer reports.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

template <class Codec>
void checkWholeAndSplit(std::string_view input, std::size_t piece, std::size_t limit,
                        std::size_t maxBuffered) {
  auto run = [&](std::size_t step, std::vector<std::string>& messages) {
    Codec codec(limit);
    for (std::size_t pos = 0; pos < input.size(); pos += step) {
      auto e = codec.feed(input.substr(pos, step), [&](std::string_view m) {
        if (m.size() > limit) std::abort();
        messages.emplace_back(m);
      });
      if (codec.buffered() > maxBuffered) std::abort();
      if (e) return true;
    }
    return false;
  };
  std::vector<std::string> whole, split;
  bool failedWhole = run(input.size() + 1, whole);
  bool failedSplit = run(piece, split);
  if (failedWhole != failedSplit) std::abort();
  if (!failedWhole && whole != split) std::abort();
}
