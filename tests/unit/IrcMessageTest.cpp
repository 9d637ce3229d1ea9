#include "irc/IrcMessage.hpp"

#include <gtest/gtest.h>

using namespace uvreactor::protocols::irc;

TEST(IrcMessage, ParsesTagsSourceCommandAndTrailing) {
  IrcMessage m;
  ASSERT_TRUE(parseIrcMessage("@id=1;x :nick!u@h PRIVMSG #chan :hello  there\r", m));
  EXPECT_EQ(m.tags, "id=1;x");
  EXPECT_EQ(m.source, "nick!u@h");
  EXPECT_TRUE(m.isCommand("PRIVMSG"));
  ASSERT_EQ(m.paramCount, 2u);
  EXPECT_EQ(m.param(0), "#chan");
  EXPECT_EQ(m.param(1), "hello  there");
  EXPECT_EQ(m.param(5), "");
}

TEST(IrcMessage, LowerCaseCommandsExtraSpacesAndEmptyTrailing) {
  IrcMessage m;
  ASSERT_TRUE(parseIrcMessage("privmsg   bob   :", m));
  EXPECT_TRUE(m.isCommand("PRIVMSG"));
  ASSERT_EQ(m.paramCount, 2u);
  EXPECT_EQ(m.param(1), "");
  EXPECT_FALSE(parseIrcMessage("", m));
  EXPECT_FALSE(parseIrcMessage("   ", m));
  EXPECT_FALSE(parseIrcMessage(":only.a.source", m));
  EXPECT_FALSE(parseIrcMessage("@tags=only", m));
}

TEST(IrcMessage, TheFifteenthParameterTakesTheRestOfTheLine) {
  IrcMessage m;
  ASSERT_TRUE(parseIrcMessage("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", m));
  ASSERT_EQ(m.paramCount, 15u);
  EXPECT_EQ(m.param(13), "14");
  EXPECT_EQ(m.param(14), "15 16 17");
}

TEST(IrcMessage, LinesAreBuiltWithTheRightColonsAndNeverSplit) {
  std::string out;
  appendIrcLine(out, "srv", "001", {"bob", "Welcome home"});
  EXPECT_EQ(out, ":srv 001 bob :Welcome home\r\n");
  out.clear();
  appendIrcLine(out, "a!b@c", "JOIN", {"#x"});
  EXPECT_EQ(out, ":a!b@c JOIN #x\r\n");
  out.clear();
  appendIrcLine(out, "a!b@c", "PRIVMSG", {"#x", "one"}, /*trailing=*/true);
  EXPECT_EQ(out, ":a!b@c PRIVMSG #x :one\r\n");
  out.clear();
  appendIrcLine(out, {}, "PRIVMSG", {"#x", "evil\r\nQUIT :x\0y"});
  EXPECT_EQ(out, "PRIVMSG #x :evil  QUIT :x\r\n");
  out.clear();
  appendIrcLine(out, "s", "PRIVMSG", {"#x", std::string(2000, 'a')}, true);
  EXPECT_EQ(out.size(), kMaxLineBytes) << "cut to 512 bytes with CR LF";
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
}

TEST(IrcMessage, NickAndChannelGrammar) {
  for (const char* ok : {"alice", "a[b]", "^_^", "x-1", "Z`{|}"})
    EXPECT_TRUE(isValidNick(ok)) << ok;
  for (const char* bad :
       {"", "1abc", "-x", "a b", "a,b", "a:b", "#chan", "a!b", "abcdefghijklmnopqrstuvwxyz0123456"})
    EXPECT_FALSE(isValidNick(bad)) << bad;
  for (const char* ok : {"#a", "#lobby", "##x", "#a.b-c"}) EXPECT_TRUE(isValidChannel(ok)) << ok;
  for (const char* bad : {"#", "lobby", "#a b", "#a,b", "#a\ab", "&local"})
    EXPECT_FALSE(isValidChannel(bad)) << bad;
}
