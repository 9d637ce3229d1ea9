#include "uvreactor/LengthPrefixCodec.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using uvreactor::LengthPrefixCodec;

namespace {

std::string encodeAll(const std::vector<std::string>& frames) {
  std::string out;
  for (const auto& f : frames) LengthPrefixCodec::encode(out, f);
  return out;
}

std::vector<std::string> decodeInPieces(const std::string& stream,
                                        const std::vector<std::size_t>& cuts) {
  LengthPrefixCodec codec(1024);
  std::vector<std::string> frames;
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    std::size_t n = std::min(cut, stream.size() - pos);
    auto e = codec.feed(std::string_view(stream).substr(pos, n),
                        [&](std::string_view f) { frames.emplace_back(f); });
    EXPECT_FALSE(e) << e.message();
    pos += n;
  }
  return frames;
}

}  // namespace

TEST(LengthPrefixCodec, SameFramesWholeBytewiseAndRandomPieces) {
  const std::vector<std::string> frames{"hello", "", std::string(1024, 'x'),
                                        std::string("\0\n\xff binary", 10), "end"};
  const std::string stream = encodeAll(frames);
  EXPECT_EQ(decodeInPieces(stream, {stream.size()}), frames);
  EXPECT_EQ(decodeInPieces(stream, std::vector<std::size_t>(stream.size(), 1)), frames);
  std::mt19937 rng(777);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t total = 0; total < stream.size();) {
      cuts.push_back(1 + rng() % 300);
      total += cuts.back();
    }
    EXPECT_EQ(decodeInPieces(stream, cuts), frames) << "round " << round;
  }
}

TEST(LengthPrefixCodec, OversizedHeaderFailsAtOnceWithoutBuffering) {
  LengthPrefixCodec codec(100);
  std::string header("\x00\x00\x00\x65", 4);  // 101 bytes announced
  bool called = false;
  auto e = codec.feed(header, [&](std::string_view) { called = true; });
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("announced 101"), std::string::npos) << e.message();
  EXPECT_FALSE(called);
  EXPECT_EQ(codec.buffered(), 0u);
  EXPECT_TRUE(codec.feed("more", [](std::string_view) {}));
}

TEST(LengthPrefixCodec, OversizedHeaderSplitAcrossReadsAlsoFails) {
  LengthPrefixCodec codec(100);
  auto sink = [](std::string_view) {};
  EXPECT_FALSE(codec.feed(std::string("\xff\xff", 2), sink));
  EXPECT_TRUE(codec.feed(std::string("\xff\xff", 2), sink));
}

TEST(LengthPrefixCodec, FrameAtTheLimitPasses) {
  LengthPrefixCodec codec(100);
  std::string stream;
  LengthPrefixCodec::encode(stream, std::string(100, 'a'));
  int frames = 0;
  EXPECT_FALSE(codec.feed(stream, [&](std::string_view f) {
    EXPECT_EQ(f.size(), 100u);
    ++frames;
  }));
  EXPECT_EQ(frames, 1);
}
