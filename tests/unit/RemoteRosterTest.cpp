// RemoteRoster: what a server tells its members about other servers' members
// when no event said it: servers stopping and coming back, and the joins,
// leaves and quits missed during its own link outage (and nothing twice).
#include "backplane/RemoteRoster.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using uvreactor::protocols::backplane::RemoteRoster;
using uvreactor::protocols::chat::RoomEvent;
using uvreactor::protocols::chat::RoomEventKind;

namespace {

// "server kind nick room [text]" for each event told, in order.
class Told {
 public:
  RemoteRoster::Tell tell() {
    return [this](const RoomEvent& e, std::string_view server) {
      std::string line(server);
      const char* kind = e.kind == RoomEventKind::Joined ? "joined"
                         : e.kind == RoomEventKind::Left ? "left"
                         : e.kind == RoomEventKind::Quit ? "quit"
                                                         : "other";
      line.append(" ").append(kind).append(" ").append(e.nick).append(" ").append(e.room);
      if (!e.text.empty()) line.append(" (").append(e.text).append(")");
      lines.push_back(line);
    };
  }
  std::vector<std::string> take() { return std::exchange(lines, {}); }
  std::vector<std::string> lines;
};

RemoteRoster::Member member(std::string nick, std::vector<std::string> rooms) {
  return RemoteRoster::Member{std::move(nick), std::move(rooms)};
}

RoomEvent event(RoomEventKind kind, std::string_view room, std::string_view nick,
                std::string_view text = {}, std::string_view target = {}) {
  return RoomEvent{kind, room, nick, text, target, {}};
}

using Lines = std::vector<std::string>;

}  // namespace

TEST(RemoteRoster, ChangesThatArrivedAsEventsAreNotToldAgain) {
  RemoteRoster roster;
  Told told;
  roster.reconcile({{"b", {{"bob", member("bob", {"lobby"})}}}}, true, 0, told.tell());
  EXPECT_EQ(told.take(), Lines{}) << "the first poll is the starting picture";
  // Carol joined and bob left as live events; the next poll agrees.
  roster.track("b", event(RoomEventKind::Joined, "lobby", "carol"));
  roster.track("b", event(RoomEventKind::Left, "lobby", "bob"));
  roster.reconcile({{"b", {{"bob", member("bob", {})}, {"carol", member("carol", {"lobby"})}}}},
                   true, 1000, told.tell());
  EXPECT_EQ(told.take(), Lines{});
}

TEST(RemoteRoster, AStoppedServersMembersQuitAndComeBackWithIt) {
  RemoteRoster roster;
  Told told;
  RemoteRoster::Servers both{{"b", {{"bob", member("bob", {"lobby", "den"})}}},
                             {"c", {{"cy", member("cy", {"lobby"})}}}};
  roster.reconcile(both, true, 0, told.tell());
  RemoteRoster::Servers onlyC{{"c", {{"cy", member("cy", {"lobby"})}}}};
  EXPECT_EQ(roster.reconcile(onlyC, false, 1000, told.tell()), 0u)
      << "not settled: a Redis restarted empty may not have heard from b yet";
  EXPECT_EQ(told.take(), Lines{});
  EXPECT_EQ(roster.reconcile(onlyC, true, 2000, told.tell()), 1u);
  EXPECT_EQ(told.take(), (Lines{"b quit bob lobby (server lost)", "b quit bob den (server lost)"}));
  roster.reconcile(both, true, 3000, told.tell());
  EXPECT_EQ(told.take(), (Lines{"b joined bob lobby", "b joined bob den"}));
  roster.reconcile(both, true, 4000, told.tell());
  EXPECT_EQ(told.take(), Lines{});
}

TEST(RemoteRoster, WhatWasMissedDuringOurOutageIsToldOnceSettled) {
  RemoteRoster roster;
  Told told;
  roster.reconcile({{"b",
                     {{"bob", member("bob", {"lobby"})},
                      {"carol", member("carol", {"lobby"})},
                      {"dan", member("Dan", {"lobby"})}}}},
                   true, 0, told.tell());
  roster.linkLost();
  // Back up: a Redis restarted empty answers with a partial directory
  // first; that is no reason to tell anyone anything.
  roster.reconcile({}, false, 1000, told.tell());
  EXPECT_EQ(told.take(), Lines{});
  // A live event after the reconnect is already told by its delivery.
  roster.track("b", event(RoomEventKind::Joined, "lobby", "eve"));
  // Meanwhile on b: carol moved to den, Dan quit, fay joined; and server c
  // started with gus.
  RemoteRoster::Servers now{{"b",
                             {{"bob", member("bob", {"lobby"})},
                              {"carol", member("carol", {"den"})},
                              {"eve", member("eve", {"lobby"})},
                              {"fay", member("fay", {"lobby"})}}},
                            {"c", {{"gus", member("gus", {"lobby"})}}}};
  roster.reconcile(now, true, 2000, told.tell());
  EXPECT_EQ(told.take(), (Lines{"b left carol lobby",
                                "b quit Dan lobby (left while this server's "
                                "link was down)",
                                "b joined carol den", "b joined fay lobby", "c joined gus lobby"}));
  roster.reconcile(now, true, 3000, told.tell());
  EXPECT_EQ(told.take(), Lines{}) << "told once";
}

TEST(RemoteRoster, LiveRenamesKicksAndQuitsKeepThePictureCurrent) {
  RemoteRoster roster;
  Told told;
  roster.reconcile(
      {{"b", {{"bob", member("bob", {"lobby", "den"})}, {"cy", member("cy", {"den"})}}}}, true, 0,
      told.tell());
  roster.track("b", event(RoomEventKind::Renamed, "lobby", "bob", "robert"));
  roster.track("b", event(RoomEventKind::Renamed, "den", "bob", "robert"));  // once per room
  roster.track("b", event(RoomEventKind::Kicked, "den", "op", "enough", "robert"));
  roster.track("b", event(RoomEventKind::Quit, "den", "cy", "bye"));
  roster.track("x", event(RoomEventKind::Joined, "lobby", "stranger"));  // not polled yet: ignored
  ASSERT_EQ(roster.known().at("b").size(), 1u);
  const RemoteRoster::Member& robert = roster.known().at("b").at("robert");
  EXPECT_EQ(robert.nick, "robert");
  EXPECT_EQ(robert.rooms, std::vector<std::string>{"lobby"});
  EXPECT_EQ(roster.known().count("x"), 0u);
  // An outage now, with nothing changed meanwhile: nothing to tell.
  roster.linkLost();
  roster.reconcile({{"b", {{"robert", member("robert", {"lobby"})}}}}, true, 1000, told.tell());
  EXPECT_EQ(told.take(), Lines{});
}
