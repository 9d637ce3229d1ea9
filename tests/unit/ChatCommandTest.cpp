#include "chat/ChatCommand.hpp"

#include <gtest/gtest.h>

using namespace uvreactor::protocols::chat;

TEST(ChatCommand, PlainLinesAreSaid) {
  auto c = parseChatCommand("hello there");
  EXPECT_EQ(c.kind, CommandKind::Say);
  EXPECT_EQ(c.argument, "hello there");
  EXPECT_EQ(parseChatCommand("").kind, CommandKind::Empty);
}

TEST(ChatCommand, DoubleSlashEscapesASlash) {
  auto c = parseChatCommand("//nick is a command");
  EXPECT_EQ(c.kind, CommandKind::Say);
  EXPECT_EQ(c.argument, "/nick is a command");
}

TEST(ChatCommand, ParsesEachCommand) {
  EXPECT_EQ(parseChatCommand("/nick alice").kind, CommandKind::Nick);
  EXPECT_EQ(parseChatCommand("/nick alice").argument, "alice");
  EXPECT_EQ(parseChatCommand("/join  dev ").argument, "dev");
  EXPECT_EQ(parseChatCommand("/rooms").kind, CommandKind::Rooms);
  EXPECT_EQ(parseChatCommand("/who").kind, CommandKind::Who);
  EXPECT_EQ(parseChatCommand("/help").kind, CommandKind::Help);
  EXPECT_EQ(parseChatCommand("/quit").kind, CommandKind::Quit);
  auto msg = parseChatCommand("/msg bob  hi there ");
  EXPECT_EQ(msg.kind, CommandKind::Msg);
  EXPECT_EQ(msg.target, "bob");
  EXPECT_EQ(msg.argument, "hi there");
  auto me = parseChatCommand("/me waves");
  EXPECT_EQ(me.kind, CommandKind::Me);
  EXPECT_EQ(me.argument, "waves");
}

TEST(ChatCommand, MisuseGivesUsage) {
  for (const char* line : {"/nick", "/nick two words", "/join", "/msg", "/msg bob", "/me"}) {
    auto c = parseChatCommand(line);
    EXPECT_EQ(c.kind, CommandKind::Usage) << line;
    EXPECT_FALSE(c.usage.empty()) << line;
  }
}

TEST(ChatCommand, UnknownCommandIsNamed) {
  auto c = parseChatCommand("/dance now");
  EXPECT_EQ(c.kind, CommandKind::Unknown);
  EXPECT_EQ(c.argument, "dance");
}

TEST(ChatCommand, NamesAreShortAndPlain) {
  EXPECT_TRUE(isValidName("a"));
  EXPECT_TRUE(isValidName("Alice_99-x"));
  EXPECT_TRUE(isValidName(std::string(32, 'n')));
  EXPECT_FALSE(isValidName(std::string(33, 'n')));
  EXPECT_FALSE(isValidName(""));
  EXPECT_FALSE(isValidName("al ice"));
  EXPECT_FALSE(isValidName("\xc3\xa9"));
  EXPECT_FALSE(isValidName("a:b"));
}
