// Feeds arbitrary bytes to LineCodec in arbitrary pieces and checks the
// invariants: no line over the limit, no buffering over the limit, and the
// same lines whether fed whole or split.
#include <cstdint>

#include "WholeAndSplit.hpp"
#include "uvreactor/LineCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t limit = 1 + data[0] % 64;
  std::size_t piece = 1 + data[1] % 17;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  checkWholeAndSplit<uvreactor::LineCodec>(input, piece, limit, limit + 1);
  return 0;
}
