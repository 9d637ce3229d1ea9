// ToldOnceFilter: another server's Quit or Renamed, published once per
// room, reaches each local member once; bounded; forgotten per nick.
#include "chat/ToldOnceFilter.hpp"

#include <gtest/gtest.h>

using uvreactor::protocols::chat::RoomEvent;
using uvreactor::protocols::chat::RoomEventKind;
using uvreactor::protocols::chat::ToldOnceFilter;

namespace {

RoomEvent quit(std::string_view nick, std::string_view room, std::string_view text = "bye") {
  return RoomEvent{RoomEventKind::Quit, room, nick, text, {}, {}};
}

TEST(ToldOnceFilterTest, EachMemberHearsAnEventOnceWhicheverRoomItCameThrough) {
  ToldOnceFilter told;
  EXPECT_TRUE(told.firstTime("s1", quit("alice", "a"), 1));
  EXPECT_TRUE(told.firstTime("s1", quit("alice", "a"), 2));
  EXPECT_FALSE(told.firstTime("s1", quit("ALICE", "b"), 1));  // same event, another room
  EXPECT_EQ(told.size(), 1u);
}

TEST(ToldOnceFilterTest, ServerKindAndTextMakeOtherEvents) {
  ToldOnceFilter told;
  EXPECT_TRUE(told.firstTime("s1", quit("alice", "a"), 1));
  EXPECT_TRUE(told.firstTime("s2", quit("alice", "a"), 1));
  EXPECT_TRUE(told.firstTime("s1", quit("alice", "a", "other"), 1));
  RoomEvent renamed{RoomEventKind::Renamed, "a", "alice", "bye", {}, {}};
  EXPECT_TRUE(told.firstTime("s1", renamed, 1));
  EXPECT_EQ(told.size(), 4u);
}

TEST(ToldOnceFilterTest, ForgetStartsOneNickOfOneServerAfresh) {
  ToldOnceFilter told;
  told.firstTime("s1", quit("alice", "a"), 1);
  told.firstTime("s1", quit("alicia", "a"), 1);
  told.firstTime("s2", quit("alice", "a"), 1);
  told.forget("s1", "Alice");
  EXPECT_TRUE(told.firstTime("s1", quit("alice", "a"), 1));
  EXPECT_FALSE(told.firstTime("s1", quit("alicia", "a"), 1));  // not a prefix match on the nick
  EXPECT_FALSE(told.firstTime("s2", quit("alice", "a"), 1));
}

TEST(ToldOnceFilterTest, PastItsCapacityTheOldestEntryGoes) {
  ToldOnceFilter told(2);
  told.firstTime("s", quit("a", "r"), 1);
  told.firstTime("s", quit("b", "r"), 1);
  told.firstTime("s", quit("c", "r"), 1);  // "a" goes
  EXPECT_EQ(told.size(), 2u);
  EXPECT_FALSE(told.firstTime("s", quit("b", "r"), 1));
  EXPECT_FALSE(told.firstTime("s", quit("c", "r"), 1));
  EXPECT_TRUE(told.firstTime("s", quit("a", "r"), 1));  // told again: forgotten
  EXPECT_EQ(told.size(), 2u);
}

}  // namespace
