#include "chat/RelayedText.hpp"

#include <cstdint>
#include <cstring>

namespace uvreactor::protocols::chat {
namespace {

// The length of the control character at text[i] (1, or 2 for a UTF-8
// C1), or 0 for a byte that is kept.
std::size_t controlAt(std::string_view text, std::size_t i) {
  auto byte = static_cast<unsigned char>(text[i]);
  if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return 1;
  if (byte == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
      static_cast<unsigned char>(text[i + 1]) <= 0x9f)
    return 2;
  return 0;
}

// True if any of the 8 bytes at text[i] may need replacing: below 0x20
// (a tab too, sorted out byte by byte), DEL, or 0xc2 (a C1's first byte).
bool wordMayHoldControl(std::string_view text, std::size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  uint64_t x;
  std::memcpy(&x, text.data() + i, sizeof x);
  auto hasZero = [&](uint64_t v) { return ((v - kOnes) & ~v & kHighs) != 0; };
  bool below20 = ((x - kOnes * 0x20) & ~x & kHighs) != 0;
  return below20 || hasZero(x ^ (kOnes * 0x7f)) || hasZero(x ^ (kOnes * 0xc2));
}

}  // namespace

void appendRelayedText(std::string& out, std::string_view text) {
  // Runs of kept bytes are appended whole: a byte at a time cost about 40
  // instructions per byte of every relayed line.
  out.reserve(out.size() + text.size());
  std::size_t kept = 0;  // start of the run not yet appended
  for (std::size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size() && !wordMayHoldControl(text, i)) {
      i += 8;
      continue;
    }
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t control = byte >= 0x20 && byte != 0x7f && byte != 0xc2 ? 0 : controlAt(text, i);
    if (control == 0) {
      ++i;
      continue;
    }
    out.append(text.data() + kept, i - kept).push_back('?');
    i += control;
    kept = i;
  }
  out.append(text.data() + kept, text.size() - kept);
}

bool holdsControl(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (controlAt(text, i) != 0) return true;
  }
  return false;
}

}  // namespace uvreactor::protocols::chat
