#include "console/OperatorCommand.hpp"

#include <gtest/gtest.h>

using namespace uvreactor::protocols::console;

TEST(OperatorCommand, PlainTextRepliesToTheLastSpeaker) {
  auto c = parseOperatorCommand("hello there");
  EXPECT_EQ(c.action, OperatorAction::ReplyLast);
  EXPECT_EQ(c.text, "hello there");
  EXPECT_EQ(parseOperatorCommand("  leading spaces kept").text, "  leading spaces kept");
  EXPECT_EQ(parseOperatorCommand("你好").text, "你好");
}

TEST(OperatorCommand, EmptyLineDoesNothing) {
  EXPECT_EQ(parseOperatorCommand("").action, OperatorAction::Nothing);
}

TEST(OperatorCommand, AtNumberAndAtAll) {
  auto c = parseOperatorCommand("@3 hi three");
  EXPECT_EQ(c.action, OperatorAction::ReplyTo);
  EXPECT_EQ(c.client, 3u);
  EXPECT_EQ(c.text, "hi three");
  c = parseOperatorCommand("@12\ttabbed");
  EXPECT_EQ(c.client, 12u);
  EXPECT_EQ(c.text, "tabbed");
  c = parseOperatorCommand("@all everyone");
  EXPECT_EQ(c.action, OperatorAction::ReplyAll);
  EXPECT_EQ(c.text, "everyone");
  EXPECT_EQ(parseOperatorCommand("@3  two spaces").text, " two spaces");
}

TEST(OperatorCommand, BadNumbersAreErrorsThatSayWhy) {
  for (const char* line : {"@0 x", "@-1 x", "@03 x", "@x hi", "@3x hi", "@ hi",
                           "@99999999999999999999 x", "@9007199254740993 x"}) {
    auto c = parseOperatorCommand(line);
    EXPECT_EQ(c.action, OperatorAction::Invalid) << line;
    EXPECT_NE(c.error.find("bad client number"), std::string::npos) << line << ": " << c.error;
  }
  EXPECT_EQ(parseOperatorCommand("@9007199254740992 x").action, OperatorAction::ReplyTo);
}

TEST(OperatorCommand, NothingToSendIsAnError) {
  for (const char* line : {"@3", "@3 ", "@all", "@all "}) {
    auto c = parseOperatorCommand(line);
    EXPECT_EQ(c.action, OperatorAction::Invalid) << line;
    EXPECT_NE(c.error.find("nothing to send"), std::string::npos) << c.error;
  }
}

TEST(OperatorCommand, WhoKickHelp) {
  EXPECT_EQ(parseOperatorCommand("/who").action, OperatorAction::Who);
  EXPECT_EQ(parseOperatorCommand("/help").action, OperatorAction::Help);
  auto c = parseOperatorCommand("/kick 7");
  EXPECT_EQ(c.action, OperatorAction::Kick);
  EXPECT_EQ(c.client, 7u);
  for (const char* line : {"/kick", "/kick x", "/kick 0", "/kick 3 4", "/who me"}) {
    EXPECT_EQ(parseOperatorCommand(line).action, OperatorAction::Invalid) << line;
  }
}

TEST(OperatorCommand, UnknownCommandNamesItAndTheWayOut) {
  auto c = parseOperatorCommand("/quit now");
  EXPECT_EQ(c.action, OperatorAction::Invalid);
  EXPECT_NE(c.error.find("unknown command /quit"), std::string::npos) << c.error;
  EXPECT_NE(c.error.find("/help"), std::string::npos) << c.error;
  std::string longWord = "/" + std::string(1000, 'x');
  EXPECT_LT(parseOperatorCommand(longWord).error.size(), 200u) << "the error stays one short line";
}

TEST(OperatorCommand, DoubledPrefixSendsItLiterally) {
  auto c = parseOperatorCommand("//who is there");
  EXPECT_EQ(c.action, OperatorAction::ReplyLast);
  EXPECT_EQ(c.text, "/who is there");
  c = parseOperatorCommand("@@home");
  EXPECT_EQ(c.action, OperatorAction::ReplyLast);
  EXPECT_EQ(c.text, "@home");
}
