// RelayedText: which bytes of a member's text reach other terminals, now
// that kept runs are appended whole (each replacement at a run's edge, in
// the middle, at the ends, and back to back).
#include "chat/RelayedText.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

using uvreactor::protocols::chat::appendRelayedText;
using uvreactor::protocols::chat::holdsControl;

namespace {
std::string relayed(std::string_view text) {
  std::string out = "nick: ";
  appendRelayedText(out, text);
  return out;
}
}  // namespace

TEST(RelayedText, KeepsPrintableRunsAndReplacesEachControl) {
  EXPECT_EQ(relayed("plain text, caf\xc3\xa9\tand a tab"),
            "nick: plain text, caf\xc3\xa9\tand a tab");
  EXPECT_EQ(relayed(""), "nick: ");
  EXPECT_EQ(relayed("\x1b]0;owned\x07"), "nick: ?]0;owned?");
  EXPECT_EQ(relayed("a\rb\x7f"
                    "c"),
            "nick: a?b?c");
  EXPECT_EQ(relayed("\x01\x02\x03"), "nick: ???");
  // A UTF-8 C1 control is two bytes and one '?'; other 0xc2 sequences stay.
  EXPECT_EQ(relayed("x\xc2\x85y\xc2\xa0z"), "nick: x?y\xc2\xa0z");
  EXPECT_EQ(relayed("end\xc2"), "nick: end\xc2");
  EXPECT_EQ(relayed("\xc2\x9f"), "nick: ?");
}

TEST(RelayedText, HoldsControlAgreesWithWhatIsReplaced) {
  for (std::string_view text :
       {"ok", "caf\xc3\xa9", "a\tb", "a\nb", "\x7f", "\xc2\x80", "\xc2\xa0"}) {
    std::string out;
    appendRelayedText(out, text);
    EXPECT_EQ(holdsControl(text), out != text) << text;
  }
}

// Text is scanned 8 bytes at a time: a control at any offset of a word, at
// a word's edge, or in the tail shorter than a word is still found.
TEST(RelayedText, FindsAControlAtEveryOffset) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {{"\x01", "?"},
                        {"\x1f", "?"},
                        {"\x7f", "?"},
                        {"\r", "?"},
                        {"\xc2\x85", "?"},
                        {"\t", "\t"},
                        {"\xc2\xa0", "\xc2\xa0"},
                        {"\x80", "\x80"},
                        {"\xff", "\xff"}};
  for (const Case& c : cases) {
    for (std::size_t at = 0; at < 20; ++at) {
      std::string text = std::string(at, 'a') + c.in + std::string(19 - at, 'b');
      EXPECT_EQ(relayed(text), "nick: " + std::string(at, 'a') + c.out + std::string(19 - at, 'b'))
          << "at " << at;
    }
  }
}
