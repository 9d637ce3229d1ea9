#include "uvreactor/LineCodec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using uvreactor::Error;
using uvreactor::LineCodec;

namespace {

std::vector<std::string> feedInPieces(LineCodec& codec, const std::string& stream,
                                      const std::vector<std::size_t>& cuts, bool* failed) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  *failed = false;
  for (std::size_t cut : cuts) {
    std::size_t n = std::min(cut, stream.size() - pos);
    auto e = codec.feed(std::string_view(stream).substr(pos, n),
                        [&](std::string_view line) { lines.emplace_back(line); });
    if (e) *failed = true;
    pos += n;
  }
  return lines;
}

const std::string kStream =
    "alpha\nbeta\r\n\n\r\ngamma with spaces\nutf-8 \xc3\xa9\xe2\x82\xac\nlast";

}  // namespace

TEST(LineCodec, SameLinesWholeBytewiseAndRandomPieces) {
  const std::vector<std::string> expected{
      "alpha", "beta", "", "", "gamma with spaces", "utf-8 \xc3\xa9\xe2\x82\xac"};
  bool failed;
  LineCodec whole(64);
  EXPECT_EQ(feedInPieces(whole, kStream, {kStream.size()}, &failed), expected);
  EXPECT_FALSE(failed);
  EXPECT_EQ(whole.buffered(), 4u);  // "last" waits for its newline

  LineCodec bytewise(64);
  EXPECT_EQ(feedInPieces(bytewise, kStream, std::vector<std::size_t>(kStream.size(), 1), &failed),
            expected);

  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t total = 0; total < kStream.size();) {
      cuts.push_back(1 + rng() % 9);
      total += cuts.back();
    }
    LineCodec random(64);
    EXPECT_EQ(feedInPieces(random, kStream, cuts, &failed), expected) << "round " << round;
  }
}

TEST(LineCodec, LineAtTheLimitPassesOneOverFails) {
  LineCodec codec(8);
  std::vector<std::string> lines;
  auto sink = [&](std::string_view l) { lines.emplace_back(l); };
  EXPECT_FALSE(codec.feed("12345678\n", sink));
  EXPECT_FALSE(codec.feed("12345678\r\n", sink));  // CR is not content
  auto e = codec.feed("123456789\n", sink);
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("line too long"), std::string::npos);
  EXPECT_EQ(lines, (std::vector<std::string>{"12345678", "12345678"}));
  EXPECT_TRUE(codec.failed());
  EXPECT_TRUE(codec.feed("ok\n", sink)) << "a failed codec stays failed";
}

TEST(LineCodec, EndlessLineFailsBeforeItsNewlineAndKeepsNoMemory) {
  LineCodec codec(16);
  Error e;
  std::size_t fedBeforeFailure = 0;
  for (int i = 0; i < 1000 && !e; ++i) {
    e = codec.feed("x", [](std::string_view) { ADD_FAILURE() << "no line expected"; });
    ++fedBeforeFailure;
    EXPECT_LE(codec.buffered(), 17u);
  }
  EXPECT_TRUE(e);
  EXPECT_EQ(fedBeforeFailure, 18u);  // 16 content bytes + a possible CR, then certain
  EXPECT_EQ(codec.buffered(), 0u);
}

TEST(LineCodec, FalseFromTheCallbackStopsDecoding) {
  LineCodec codec(64);
  std::vector<std::string> lines;
  EXPECT_FALSE(codec.feed("one\ntwo\nthree\n", [&](std::string_view l) {
    lines.emplace_back(l);
    return l != "two";
  }));
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
}

TEST(LineCodec, WholeLinesAreViewsIntoTheInput) {
  LineCodec codec(64);
  std::string input = "abc\n";
  const char* seen = nullptr;
  EXPECT_FALSE(codec.feed(input, [&](std::string_view l) { seen = l.data(); }));
  EXPECT_EQ(seen, input.data());
}
