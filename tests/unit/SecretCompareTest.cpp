// secretsEqual: equal only for the same bytes and length, whatever the
// lengths and wherever they differ (its timing is not asserted: a timing
// assertion on a shared machine would only measure the machine).
#include <gtest/gtest.h>

#include <string>

#include "irc/SecretCompare.hpp"

using uvreactor::protocols::irc::secretsEqual;

TEST(SecretCompare, EqualOnlyForTheSameBytesAndLength) {
  EXPECT_TRUE(secretsEqual("s3cret", "s3cret"));
  EXPECT_TRUE(secretsEqual("", ""));
  EXPECT_FALSE(secretsEqual("s3cret", "s3creT"));
  EXPECT_FALSE(secretsEqual("X3cret", "s3cret"));
  EXPECT_FALSE(secretsEqual("s3cre", "s3cret"));    // a prefix
  EXPECT_FALSE(secretsEqual("s3crett", "s3cret"));  // longer
  EXPECT_FALSE(secretsEqual("", "s3cret"));
  EXPECT_FALSE(secretsEqual("s3cret", ""));
  EXPECT_FALSE(secretsEqual(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_FALSE(secretsEqual(std::string("s3cret\0", 7), "s3cret"));
}
