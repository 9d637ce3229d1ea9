#include "backplane/EventCodec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  const std::string text = "a\tb c \xff caf\xc3\xa9";
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
                             RoomEvent{RoomEventKind::Kicked, "den", "op", "enough", "bob", {}},
                             RoomEvent{RoomEventKind::ModeChanged, "den", "op", "+o", "bob", {}},
                             RoomEvent{RoomEventKind::ModeChanged, "den", "op", "-t", {}, {}}}) {
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

TEST(EventCodec, ControlCharactersInTextAreReplacedWhenEncoded) {
  const std::string text = std::string("a\x1b[2J\r\nb\0c\x7f\xc2\x9b\td", 15);
  std::string wire = encoded(RoomEvent{RoomEventKind::Said, "lobby", "alice", text, {}, {}});
  auto back = decodeEvent(wire);
  ASSERT_TRUE(back) << "what a server sends, the others accept";
  EXPECT_EQ(back->event.text, "a?[2J??b?c??\td");
}

namespace {

// A message as another program could PUBLISH it, fields as given.
std::string wire(std::string_view kind, std::string_view room, std::string_view nick,
                 std::string_view target, std::string_view text) {
  std::string out = "uvr1\tab12\t";
  for (std::string_view f : {kind, room, nick, target}) out.append(f).push_back('\t');
  return out.append(text);
}

struct KindSample {
  std::string_view kind;
  std::string room, nick, target, text;
};

}  // namespace

// One rule for every kind: a control character in any field the kind uses
// (a newline that forges a line, ESC, CR, BS, NUL, DEL, a UTF-8 C1) makes
// the whole event invalid, whatever field it is in.
TEST(EventCodec, EveryKindRejectsAControlCharacterInAnyField) {
  const std::vector<KindSample> kinds{
      {"said", "lobby", "alice", "", "hi"},        {"acted", "lobby", "alice", "", "waves"},
      {"noticed", "lobby", "alice", "", "note"},   {"joined", "lobby", "alice", "", ""},
      {"left", "lobby", "alice", "", "bye"},       {"quit", "lobby", "alice", "", "gone"},
      {"renamed", "lobby", "alice", "", "alicia"}, {"topic", "lobby", "alice", "", "a topic"},
      {"mode", "lobby", "alice", "", "+t"},        {"mode", "lobby", "alice", "bob", "+o"},
      {"kicked", "lobby", "alice", "bob", "out"},  {"private", "", "alice", "bob", "psst"},
      {"pnotice", "", "alice", "bob", "note"},
  };
  const std::vector<std::string> controls{"\x1b]0;owned\x07",
                                          "\x1b[2J",
                                          "\n* forged line",
                                          "\r",
                                          "\b",
                                          std::string(1, '\0'),
                                          "\x7f",
                                          "\xc2\x9b"
                                          "2J",
                                          "\xc2\x85"};
  for (const KindSample& k : kinds) {
    ASSERT_TRUE(decodeEvent(wire(k.kind, k.room, k.nick, k.target, k.text))) << k.kind;
    for (const std::string& bad : controls) {
      std::vector<std::string> hostile;
      if (!k.room.empty()) hostile.push_back(wire(k.kind, k.room + bad, k.nick, k.target, k.text));
      hostile.push_back(wire(k.kind, k.room, k.nick + bad, k.target, k.text));
      if (!k.target.empty())
        hostile.push_back(wire(k.kind, k.room, k.nick, k.target + bad, k.text));
      if (!k.text.empty()) hostile.push_back(wire(k.kind, k.room, k.nick, k.target, k.text + bad));
      if (!k.text.empty()) hostile.push_back(wire(k.kind, k.room, k.nick, k.target, bad + k.text));
      for (const std::string& message : hostile)
        EXPECT_FALSE(decodeEvent(message)) << k.kind << ": " << testing::PrintToString(message);
    }
  }
}

TEST(EventCodec, AModeIsAModeChangeAndNothingElse) {
  for (std::string_view mode : {"+t", "-s", "+o"})
    EXPECT_TRUE(decodeEvent(wire("mode", "den", "op", mode == "+o" ? "bob" : "", mode))) << mode;
  for (std::string_view mode : {"", "t", "+", "+t extra", "+t:x", "+1", "+tttttttttttttttttt"})
    EXPECT_FALSE(decodeEvent(wire("mode", "den", "op", "", mode))) << mode;
}

TEST(EventCodec, NamesFromRedisHoldNoControlCharacters) {
  EXPECT_TRUE(isValidRemoteNick("alice"));
  EXPECT_TRUE(isValidRemoteRoom("#irc.room"));
  EXPECT_FALSE(
      isValidRemoteNick("ali\xc2\x9b"
                        "ce"));
  EXPECT_FALSE(isValidRemoteRoom("den\xc2\x85"));
  EXPECT_TRUE(isValidRemoteNick("caf\xc3\xa9")) << "UTF-8 that is no control stays valid";
}
