#include "chat/RelayedText.hpp"

namespace uvreactor::protocols::chat {

void appendRelayedText(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      out.push_back('?');
    } else if (byte == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out.push_back('?');  // a C1 control, two bytes in UTF-8
      ++i;
    } else {
      out.push_back(static_cast<char>(byte));
    }
  }
}

}  // namespace uvreactor::protocols::chat
