#include "console/ConsoleText.hpp"

#include <cstdint>

namespace uvreactor::protocols::console {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void appendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
  }
  out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
}

// Length of the valid UTF-8 sequence at text[i] (2-4), with its code point;
// 0 if the bytes there are not one (overlong, surrogate, past U+10FFFF,
// truncated).
std::size_t decodeMultiByte(std::string_view text, std::size_t i, uint32_t& cp) {
  auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

bool isHidden(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

void appendShownText(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\t' || (byte >= 0x20 && byte < 0x7F)) {
      out.push_back(static_cast<char>(byte));
      ++i;
    } else if (byte < 0x20) {
      appendCodePoint(out, 0x2400 + byte);
      ++i;
    } else if (byte == 0x7F) {
      appendCodePoint(out, 0x2421);
      ++i;
    } else {
      uint32_t cp = 0;
      std::size_t length = decodeMultiByte(text, i, cp);
      if (length == 0 || isHidden(cp)) {
        out.append(kReplacement);
        i += length == 0 ? 1 : length;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
    }
  }
}

bool isBlank(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == ' ' || (byte >= '\t' && byte <= '\r')) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    std::size_t length = byte >= 0x80 ? decodeMultiByte(text, i, cp) : 0;
    if (length == 0 || (cp != 0xA0 && cp != 0x3000)) return false;
    i += length;
  }
  return true;
}

}  // namespace uvreactor::protocols::console
