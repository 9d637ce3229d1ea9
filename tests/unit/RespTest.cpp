#include "redis/Resp.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace uvreactor;
using namespace uvreactor::protocols::redis;

namespace {

const std::string kStream =
    "+OK\r\n-ERR unknown command 'FOO'\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*0\r\n"
    "*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$11\r\nhi\r\nthere\r\n\r\n"
    "*2\r\n*1\r\n:1\r\n$0\r\n\r\n";

std::vector<RespValue> parseInPieces(const std::string& input, std::size_t piece) {
  RespParser parser;
  std::vector<RespValue> replies;
  for (std::size_t i = 0; i < input.size(); i += piece) {
    Error e = parser.feed(std::string_view(input).substr(i, piece),
                          [&](RespValue&& v) { replies.push_back(std::move(v)); });
    EXPECT_FALSE(e) << e.message();
  }
  return replies;
}

void expectStream(const std::vector<RespValue>& r) {
  ASSERT_EQ(r.size(), 9u);
  EXPECT_EQ(r[0].type, RespValue::Type::SimpleString);
  EXPECT_EQ(r[0].str(), "OK");
  EXPECT_TRUE(r[1].isError());
  EXPECT_EQ(r[1].text, "ERR unknown command 'FOO'");
  EXPECT_EQ(r[2].integer, 42);
  EXPECT_EQ(r[3].str(), "hello");
  EXPECT_EQ(r[4].type, RespValue::Type::Null);
  EXPECT_EQ(r[5].type, RespValue::Type::Null);
  EXPECT_EQ(r[6].type, RespValue::Type::Array);
  EXPECT_TRUE(r[6].elements.empty());
  ASSERT_EQ(r[7].elements.size(), 3u);
  EXPECT_EQ(r[7].elements[2].str(), "hi\r\nthere\r\n");  // bulk strings are binary-safe
  ASSERT_EQ(r[8].elements.size(), 2u);
  EXPECT_EQ(r[8].elements[0].elements[0].integer, 1);
  EXPECT_EQ(r[8].elements[1].str(), "");
}

Error feedAll(RespParser& parser, std::string_view input) {
  return parser.feed(input, [](RespValue&&) {});
}

}  // namespace

TEST(Resp, EveryReplyTypeWholeAndInAnySplit) {
  expectStream(parseInPieces(kStream, kStream.size()));
  expectStream(parseInPieces(kStream, 1));
  std::mt19937 random(7);
  for (int i = 0; i < 50; ++i) expectStream(parseInPieces(kStream, 1 + random() % 13));
}

TEST(Resp, MalformedInputFailsAndStaysFailed) {
  for (const char* bad :
       {"?what\r\n", ":12x\r\n", "$-2\r\n", "$3\r\nabcd\r\n", "+OK\n", "*x\r\n"}) {
    RespParser parser;
    EXPECT_TRUE(feedAll(parser, bad)) << bad;
    EXPECT_TRUE(parser.failed());
    EXPECT_TRUE(feedAll(parser, "+OK\r\n")) << "a failed stream stays failed";
  }
}

TEST(Resp, LimitsAreErrorsAsSoonAsTheyAreCertain) {
  RespLimits limits;
  limits.maxBulkBytes = 10;
  limits.maxElements = 4;
  limits.maxDepth = 2;
  RespParser bulk(limits);
  Error e = feedAll(bulk, "$11\r\n");  // before any payload arrives
  EXPECT_EQ(e.kind(), ErrorKind::TooLong) << e.message();
  RespParser array(limits);
  EXPECT_EQ(feedAll(array, "*5\r\n").kind(), ErrorKind::TooLong);
  RespParser deep(limits);
  EXPECT_EQ(feedAll(deep, "*1\r\n*1\r\n*1\r\n").kind(), ErrorKind::TooLong);
  RespParser line;
  EXPECT_TRUE(feedAll(line, "+" + std::string(RespParser::kMaxLine, 'x')));
}

TEST(Resp, CommandsAreArraysOfBulkStrings) {
  std::string out;
  encodeCommand(out, {"PUBLISH", "room", "a\r\nb"});
  EXPECT_EQ(out, "*3\r\n$7\r\nPUBLISH\r\n$4\r\nroom\r\n$4\r\na\r\nb\r\n");
  std::string again;
  encodeCommand(again, std::vector<std::string>{"PUBLISH", "room", "a\r\nb"});
  EXPECT_EQ(again, out);
}
