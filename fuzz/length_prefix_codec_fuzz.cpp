// Arbitrary bytes through LengthPrefixCodec, whole and in pieces: frames never
// exceed the limit, buffering never exceeds header + limit, and both ways agree.
#include <cstdint>

#include "WholeAndSplit.hpp"
#include "uvreactor/LengthPrefixCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t limit = data[0] * 4u;
  std::size_t piece = 1 + data[1] % 13;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  checkWholeAndSplit<uvreactor::LengthPrefixCodec>(
      input, piece, limit, limit + uvreactor::LengthPrefixCodec::kHeaderSize);
  return 0;
}
