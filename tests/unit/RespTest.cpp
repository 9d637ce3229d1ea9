#include "redis/Resp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

namespace {

// "*N\r\n" then N small integers: 4 bytes each on the wire.
std::string arrayOfIntegers(std::size_t n) {
  std::string out = "*";  // appended: GCC 12's -Wrestrict misfires on "*" + string
  out += std::to_string(n);
  out += "\r\n";
  for (std::size_t i = 0; i < n; ++i) out += ":1\r\n";
  return out;
}

}  // namespace

// Tiny items against the byte cap: every item and array is within its own
// limit and the wire bytes are within the cap, but what the parsed values
// take is not.
TEST(Resp, AWholeReplyIsBoundedByWhatItsParsedValuesCost) {
  RespLimits limits;
  limits.maxReplyBytes = 64 * 1024;
  std::string attack = "*8\r\n";
  for (int i = 0; i < 8; ++i) attack += arrayOfIntegers(1000);
  ASSERT_LT(attack.size(), limits.maxReplyBytes) << "the wire bytes alone are within the cap";
  RespParser parser(limits);
  std::size_t replies = 0;
  std::size_t maxHeld = 0;
  Error e;
  for (std::size_t i = 0; i < attack.size() && !e; i += 512) {
    e = parser.feed(std::string_view(attack).substr(i, 512), [&](RespValue&&) { ++replies; });
    maxHeld = std::max(maxHeld, parser.heldBytes());
  }
  EXPECT_EQ(e.kind(), ErrorKind::TooLong) << e.message();
  EXPECT_EQ(replies, 0u);
  EXPECT_TRUE(parser.failed());
  EXPECT_LE(maxHeld, limits.maxReplyBytes);
  EXPECT_EQ(parser.heldBytes(), 0u) << "a failed parser keeps nothing of the reply";

  // Well-behaved replies near the cap pass, each one counted from nothing.
  RespParser fine(limits);
  std::string many;
  for (int i = 0; i < 20; ++i) many += arrayOfIntegers(500);  // ~36 KB each, parsed
  std::vector<RespValue> got;
  EXPECT_FALSE(fine.feed(many, [&](RespValue&& v) { got.push_back(std::move(v)); }));
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got.back().elements.size(), 500u);
  RespParser over(limits);
  EXPECT_EQ(feedAll(over, arrayOfIntegers(1000)).kind(), ErrorKind::TooLong)
      << "1000 elements of a RespValue each are over 64 KiB";
}

TEST(Resp, BulkStringsCountAgainstTheReplyBeforeTheirPayloadArrives) {
  RespLimits limits;
  limits.maxReplyBytes = 64 * 1024;
  RespParser one(limits);
  std::vector<RespValue> got;
  std::string big = "$60000\r\n" + std::string(60000, 'x') + "\r\n";
  EXPECT_FALSE(one.feed(big, [&](RespValue&& v) { got.push_back(std::move(v)); }));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].str().size(), 60000u);
  RespParser two(limits);
  // The second header is refused on its word, with no payload sent.
  Error e = feedAll(two, "*2\r\n$40000\r\n" + std::string(40000, 'x') + "\r\n$40000\r\n");
  EXPECT_EQ(e.kind(), ErrorKind::TooLong) << e.message();
  // Many small bulk strings: 100 of 600 bytes are 60 KB of text, plus their
  // values: over the cap; 50 are not.
  std::string small = "$600\r\n" + std::string(600, 'y') + "\r\n";
  std::string hundred = "*100\r\n";
  std::string fifty = "*50\r\n";
  for (int i = 0; i < 100; ++i) hundred += small;
  for (int i = 0; i < 50; ++i) fifty += small;
  RespParser many(limits);
  EXPECT_EQ(feedAll(many, hundred).kind(), ErrorKind::TooLong);
  RespParser few(limits);
  EXPECT_FALSE(feedAll(few, fifty));
}

TEST(Resp, CommandsAreArraysOfBulkStrings) {
  std::string out;
  encodeCommand(out, {"PUBLISH", "room", "a\r\nb"});
  EXPECT_EQ(out, "*3\r\n$7\r\nPUBLISH\r\n$4\r\nroom\r\n$4\r\na\r\nb\r\n");
  std::string again;
  encodeCommand(again, std::vector<std::string>{"PUBLISH", "room", "a\r\nb"});
  EXPECT_EQ(again, out);
}
