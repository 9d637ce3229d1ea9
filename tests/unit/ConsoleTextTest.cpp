#include "console/ConsoleText.hpp"

#include <gtest/gtest.h>

using namespace uvreactor::protocols::console;

namespace {
std::string shown(std::string_view text) {
  std::string out;
  appendShownText(out, text);
  return out;
}

// True if `s` holds no C0/C1 control (tab aside), no DEL and is valid UTF-8.
bool harmless(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b < 0x20 && b != '\t') || b == 0x7f) return false;
    if (b == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9f) return false;
  }
  std::string again;
  appendShownText(again, s);
  return again == s;  // shown text is a fixed point: nothing left to replace
}
}  // namespace

TEST(ConsoleText, KeepsUtf8AndTabsAsSent) {
  EXPECT_EQ(shown("你好，世界"), "你好，世界");
  EXPECT_EQ(shown("héllo\tw🌍rld"), "héllo\tw🌍rld");
  EXPECT_EQ(shown("plain ascii ~!"), "plain ascii ~!");
}

TEST(ConsoleText, ControlCharactersBecomeTheirPictures) {
  EXPECT_EQ(shown("a\x1b[2Jb"), "a\u241b[2Jb");
  EXPECT_EQ(shown("over\rwrite"), "over\u240dwrite");
  EXPECT_EQ(shown(std::string_view("nul\0bs\b", 7)), "nul\u2400bs\u2408");
  EXPECT_EQ(shown("del\x7f"), "del\u2421");
  EXPECT_EQ(shown("nl\n"), "nl\u240a");
}

TEST(ConsoleText, C1ControlsBidiOverridesAndInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(shown("\xc2\x9b"
                  "31m"),
            "\ufffd31m");  // C1 CSI, encoded
  EXPECT_EQ(shown("\x9b"
                  "31m"),
            "\ufffd31m");                                            // a raw 8-bit CSI
  EXPECT_EQ(shown("abc\u202edef"), "abc\ufffddef");                  // right-to-left override
  EXPECT_EQ(shown("x\u2066y"), "x\ufffdy");                          // isolate
  EXPECT_EQ(shown("\xc0\xaf"), "\ufffd\ufffd");                      // overlong '/'
  EXPECT_EQ(shown("\xed\xa0\x80"), "\ufffd\ufffd\ufffd");            // a surrogate
  EXPECT_EQ(shown("\xf4\x90\x80\x80"), "\ufffd\ufffd\ufffd\ufffd");  // past U+10FFFF
  EXPECT_EQ(shown("cut \xe4\xbd"), "cut \ufffd\ufffd");              // truncated at the end
}

TEST(ConsoleText, NothingItWritesCanActOnATerminal) {
  std::string every;
  for (int b = 0; b < 256; ++b) every.push_back(static_cast<char>(b));
  EXPECT_TRUE(harmless(shown(every)));
  // Every pair of bytes, so every lead byte meets every continuation.
  std::string pairs;
  for (int a = 0x80; a < 256; ++a)
    for (int b = 0; b < 256; ++b) pairs += {static_cast<char>(a), static_cast<char>(b)};
  EXPECT_TRUE(harmless(shown(pairs)));
}

TEST(ConsoleText, BlankIsWhitespaceOnlyIncludingWideSpaces) {
  EXPECT_TRUE(isBlank(""));
  EXPECT_TRUE(isBlank(" \t\r\n"));
  EXPECT_TRUE(isBlank("\u3000\u00a0 "));
  EXPECT_FALSE(isBlank(" x "));
  EXPECT_FALSE(isBlank("\x1b"));
  EXPECT_FALSE(isBlank("\xe3\x80"));  // a truncated U+3000
}
