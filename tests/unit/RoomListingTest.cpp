// RoomListing: /who and /rooms merge this server's part with the other
// servers' directory, rooms compared in the rfc1459 case mapping.
#include "chat/RoomListing.hpp"

#include <gtest/gtest.h>

using uvreactor::protocols::chat::nicksInRoom;
using uvreactor::protocols::chat::RoomBackplane;
using uvreactor::protocols::chat::RoomCounts;

namespace {

using Nicks = std::vector<std::string>;
using Counts = std::vector<std::pair<std::string, std::size_t>>;

TEST(RoomListingTest, NicksInRoomAddsRemoteMembersOfThatRoomSorted) {
  RoomBackplane::Directory remote{{"zed", "Den"}, {"amy", "den"}, {"bob", "hall"}};
  EXPECT_EQ(nicksInRoom({"mia", "carl"}, &remote, "DEN"), (Nicks{"amy", "carl", "mia", "zed"}));
}

TEST(RoomListingTest, NicksInRoomWithoutADirectoryIsTheLocalPartSorted) {
  EXPECT_EQ(nicksInRoom({"mia", "carl"}, nullptr, "den"), (Nicks{"carl", "mia"}));
}

TEST(RoomListingTest, RoomCountsSumAcrossServersInFoldedNameOrder) {
  RoomCounts counts;
  counts.add("Hall", 2);
  counts.add("attic", 1);
  counts.add(RoomBackplane::Directory{{"x", "hall"}, {"y", "Cellar"}, {"z", "cellar"}});
  EXPECT_EQ(counts.list(), (Counts{{"attic", 1}, {"Cellar", 2}, {"Hall", 3}}));
}

}  // namespace
