// parseBackplaneUrl: redis:// and rediss:// (Redis over TLS), the user, the
// prefix, and refusals that never repeat what stands before an '@'.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "backplane/RedisBackplane.hpp"

using uvreactor::protocols::backplane::parseBackplaneUrl;

namespace {

std::string refusal(const std::string& url) {
  try {
    parseBackplaneUrl(url);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(BackplaneUrl, RedisIsPlaintextAndRedissIsTls) {
  auto plain = parseBackplaneUrl("redis://127.0.0.1:6379");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.redis.toString(), "127.0.0.1:6379");
  EXPECT_EQ(plain.prefix, "uvr");
  auto tls = parseBackplaneUrl("rediss://alice@[::1]:6380/rooms");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.redis.toString(), "[::1]:6380");
  EXPECT_EQ(tls.user, "alice");
  EXPECT_EQ(tls.prefix, "rooms");
}

TEST(BackplaneUrl, OtherSchemesAndPasswordsAreRefused) {
  EXPECT_NE(refusal("http://127.0.0.1:6379").find("redis:// or rediss://"), std::string::npos);
  EXPECT_NE(refusal("redisss://127.0.0.1:6379").find("does not start with"), std::string::npos);
  std::string withPassword = refusal("rediss://alice:s3cret@127.0.0.1:6379");
  EXPECT_NE(withPassword.find("no password in the URL"), std::string::npos) << withPassword;
  EXPECT_EQ(withPassword.find("s3cret"), std::string::npos);
  EXPECT_NE(refusal("rediss://@127.0.0.1:6379").find("empty user"), std::string::npos);
}
