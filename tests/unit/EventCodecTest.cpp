#include "backplane/EventCodec.hpp"

#include <gtest/gtest.h>

using namespace uvreactor::protocols;
using namespace uvreactor::protocols::backplane;
using chat::RoomEvent;
using chat::RoomEventKind;

namespace {

std::string encoded(const RoomEvent& e, std::string_view server = "ab12") {
  std::string out;
  encodeEvent(out, server, e);
  return out;
}

}  // namespace

TEST(EventCodec, EveryKindRoundTripsAndTextMayHoldTabsAndBytes) {
  const std::string text = std::string("a\tb\0c \xff\r", 9);
  for (const RoomEvent& e : {RoomEvent{RoomEventKind::Said, "lobby", "alice", text, {}, {}},
                             RoomEvent{RoomEventKind::Acted, "lobby", "alice", "waves", {}, {}},
                             RoomEvent{RoomEventKind::Joined, "den", "bob", {}, {}, {}},
                             RoomEvent{RoomEventKind::Left, "den", "bob", "server lost", {}, {}},
                             RoomEvent{RoomEventKind::Renamed, "den", "bob", "robert", {}, {}},
                             RoomEvent{RoomEventKind::Private, {}, "bob", "psst", "alice", {}},
                             RoomEvent{RoomEventKind::Quit, "den", "bob", "bye", {}, {}},
                             RoomEvent{RoomEventKind::TopicSet, "den", "bob", "a topic", {}, {}},
                             RoomEvent{RoomEventKind::Noticed, "den", "bob", "note", {}, {}},
                             RoomEvent{RoomEventKind::PrivateNotice, {}, "b[o]b", "x", "a|ice", {}},
                             RoomEvent{RoomEventKind::Said, "#irc.room", "Nick^", "hi", {}, {}},
                             RoomEvent{RoomEventKind::Kicked, "den", "op", "enough", "bob", {}}}) {
    std::string wire = encoded(e);
    auto back = decodeEvent(wire);
    ASSERT_TRUE(back) << wire;
    EXPECT_EQ(back->server, "ab12");
    EXPECT_EQ(back->event.kind, e.kind);
    EXPECT_EQ(back->event.room, e.room);
    EXPECT_EQ(back->event.nick, e.nick);
    EXPECT_EQ(back->event.text, e.text);
    EXPECT_EQ(back->event.target, e.target);
  }
}

TEST(EventCodec, AnythingElseIsRejected) {
  for (std::string_view junk : {
           std::string_view(""), std::string_view("hello"),
           std::string_view("uvr1\tab12\tsaid\tlobby\talice\t"),             // one field short
           std::string_view("uvr2\tab12\tsaid\tlobby\talice\t\tx"),          // another version
           std::string_view("uvr1\tAB!\tsaid\tlobby\talice\t\tx"),           // bad server tag
           std::string_view("uvr1\tab12\tshouted\tlobby\talice\t\tx"),       // unknown kind
           std::string_view("uvr1\tab12\tsaid\tlob by\talice\t\tx"),         // bad room
           std::string_view("uvr1\tab12\tsaid\tlobby\t\t\tx"),               // no nick
           std::string_view("uvr1\tab12\tsaid\tlobby\talice\tbob\tx"),       // target on a room
           std::string_view("uvr1\tab12\tprivate\tlobby\talice\tbob\tx"),    // room on a private
           std::string_view("uvr1\tab12\tprivate\t\talice\t\tx"),            // private, no target
           std::string_view("uvr1\tab12\trenamed\tlobby\talice\t\tno way"),  // bad new nick
           std::string_view("uvr1\tab12\tjoined\tlobby\talice\t\ttext"),     // text on a join
           std::string_view("uvr1\tab12\tkicked\tlobby\talice\t\tbye"),      // kick, no target
           std::string_view("uvr1\tab123456789\tsaid\tlobby\talice\t\tx"),   // tag too long
       }) {
    EXPECT_FALSE(decodeEvent(junk)) << junk;
  }
  std::string huge = encoded(RoomEvent{RoomEventKind::Said, "lobby", "alice", {}, {}, {}});
  huge.append(kMaxEventText + 1, 'x');
  EXPECT_FALSE(decodeEvent(huge));
}
