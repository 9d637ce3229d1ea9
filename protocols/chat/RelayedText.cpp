#include "chat/RelayedText.hpp"

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

}  // namespace

void appendRelayedText(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::size_t control = controlAt(text, i);
    if (control == 0) {
      out.push_back(text[i]);
    } else {
      out.push_back('?');
      i += control - 1;
    }
  }
}

bool holdsControl(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (controlAt(text, i) != 0) return true;
  }
  return false;
}

}  // namespace uvreactor::protocols::chat
