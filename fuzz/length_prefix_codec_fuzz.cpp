// Arbitrary bytes through LengthPrefixCodec, whole and in pieces: frames never
// exceed the limit, buffering never exceeds header + limit, and both ways agree.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "uvreactor/LengthPrefixCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t limit = data[0] * 4u;
  std::size_t piece = 1 + data[1] % 13;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  auto run = [&](std::size_t step, std::vector<std::string>& frames) {
    uvreactor::LengthPrefixCodec codec(limit);
    for (std::size_t pos = 0; pos < input.size(); pos += step) {
      auto e = codec.feed(input.substr(pos, step), [&](std::string_view f) {
        if (f.size() > limit) std::abort();
        frames.emplace_back(f);
      });
      if (codec.buffered() > limit + uvreactor::LengthPrefixCodec::kHeaderSize) std::abort();
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
