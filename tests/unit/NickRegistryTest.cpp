// NickRegistry: members by nick (rfc1459 case mapping) and id, nicks held
// for a claim, and guest nicks that skip what is taken.
#include "chat/NickRegistry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using uvreactor::protocols::chat::Member;
using uvreactor::protocols::chat::NickRegistry;

namespace {

Member named(std::string nick) {
  Member member{};
  member.nick = std::move(nick);
  return member;
}

TEST(NickRegistryTest, FindsByNickInAnyCaseAndById) {
  NickRegistry nicks;
  Member& alice = nicks.add(named("Alice[1]"));
  Member& bob = nicks.add(named("bob"));
  EXPECT_NE(alice.id, bob.id);
  EXPECT_EQ(nicks.findByNick("alice{1}"), &alice);
  EXPECT_EQ(nicks.findByNick("BOB"), &bob);
  EXPECT_EQ(nicks.findById(bob.id), &bob);
  EXPECT_EQ(nicks.findByNick("carol"), nullptr);
  EXPECT_EQ(nicks.size(), 2u);
  EXPECT_FALSE(nicks.nickFree("ALICE[1]"));
  EXPECT_TRUE(nicks.nickFree("carol"));
}

TEST(NickRegistryTest, RemoveForgetsNickAndId) {
  NickRegistry nicks;
  Member& alice = nicks.add(named("alice"));
  uint64_t id = alice.id;
  nicks.remove(alice);
  EXPECT_EQ(nicks.findByNick("alice"), nullptr);
  EXPECT_EQ(nicks.findById(id), nullptr);
  EXPECT_TRUE(nicks.nickFree("alice"));
  EXPECT_EQ(nicks.size(), 0u);
}

TEST(NickRegistryTest, RenameMovesTheMemberToItsNewNick) {
  NickRegistry nicks;
  Member& alice = nicks.add(named("alice"));
  nicks.rename(alice, "Alicia");
  EXPECT_EQ(alice.nick, "Alicia");
  EXPECT_EQ(nicks.findByNick("alicia"), &alice);
  EXPECT_EQ(nicks.findByNick("alice"), nullptr);
  EXPECT_EQ(nicks.findById(alice.id), &alice);
  nicks.rename(alice, "ALICIA");  // a change of case only
  EXPECT_EQ(nicks.findByNick("alicia"), &alice);
  EXPECT_EQ(nicks.size(), 1u);
}

TEST(NickRegistryTest, ANickHeldForAClaimIsNotFreeUntilSettled) {
  NickRegistry nicks;
  nicks.holdForClaim("Dave", 7);
  EXPECT_FALSE(nicks.nickFree("dave"));
  EXPECT_EQ(nicks.findByNick("dave"), nullptr);
  nicks.claimSettled("DAVE");
  EXPECT_TRUE(nicks.nickFree("dave"));
}

TEST(NickRegistryTest, GuestNicksCarryTheSuffixAndSkipTakenOnes) {
  NickRegistry nicks;
  EXPECT_EQ(nicks.guestNick(), "guest1");
  nicks.add(named("guest2"));
  nicks.holdForClaim("guest3", 1);
  EXPECT_EQ(nicks.guestNick(), "guest4");
  nicks.setGuestSuffix("-b");
  EXPECT_EQ(nicks.guestNick(), "guest5-b");
}

TEST(NickRegistryTest, ForEachVisitsEveryMember) {
  NickRegistry nicks;
  nicks.add(named("a"));
  nicks.add(named("b"));
  std::vector<std::string> seen;
  nicks.forEach([&](const Member& m) { seen.push_back(m.nick); });
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
