// LogRateLimit: a flood of one kind of line becomes a bounded number of
// lines and a count of the rest.
#include "uvreactor/LogRateLimit.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace uvreactor;

namespace {

std::size_t countOf(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class LogRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_ = logLevel();
    setLogLevel(LogLevel::Info);
  }
  void TearDown() override { setLogLevel(saved_); }
  LogLevel saved_ = LogLevel::Warn;
};

}  // namespace

TEST_F(LogRateLimitTest, AFloodIsCutToTheBurstAndTheRestIsReportedWithTheNextLine) {
  LogRateLimit limit(5, 10000);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 10000; ++i)
    limit.log(LogLevel::Info, "reject peer " + std::to_string(i), 1000);
  EXPECT_EQ(limit.suppressed(), 9995u);
  limit.log(LogLevel::Info, "reject peer late", 11000);  // the next window
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(countOf(out, "\n"), 6u) << out;
  EXPECT_EQ(countOf(out, "reject peer "), 6u) << out;
  EXPECT_NE(out.find("reject peer 4 [more like this within 10 s are counted, not logged]\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("reject peer late [suppressed 9995 similar line(s) in the last 10 s]\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(limit.suppressed(), 0u);
}

TEST_F(LogRateLimitTest, LinesStillUnreportedAreSummedUpWhenTheLimitGoes) {
  testing::internal::CaptureStderr();
  {
    LogRateLimit limit(2, 10000);
    for (int i = 0; i < 50; ++i) limit.log(LogLevel::Warn, "accept: " + std::to_string(i), 5);
  }
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(countOf(out, "\n"), 3u) << out;
  EXPECT_NE(out.find("warn: [suppressed 48 similar line(s), the last: accept: 49]\n"),
            std::string::npos)
      << out;
}

TEST_F(LogRateLimitTest, EachWindowGetsItsBurstAgain) {
  LogRateLimit limit(3, 1000);
  testing::internal::CaptureStderr();
  for (uint64_t second = 0; second < 5; ++second) {
    for (int i = 0; i < 100; ++i) limit.log(LogLevel::Info, "bad frame", second * 1000 + 10);
  }
  limit.flush();
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(countOf(out, "\n"), 16u) << out;  // 3 per window, and the last window's summary
  EXPECT_EQ(countOf(out, "[suppressed 97 similar line(s)"), 5u) << out;
}

TEST_F(LogRateLimitTest, LinesTheLevelHidesAreNeitherLoggedNorCounted) {
  LogRateLimit limit(1, 1000);
  testing::internal::CaptureStderr();
  for (int i = 0; i < 10; ++i) limit.log(LogLevel::Debug, "hidden", 1);
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(limit.suppressed(), 0u);
}
