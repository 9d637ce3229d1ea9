// Room: its members, marks and modes, and a broadcast rendered once per
// renderer that skips whom it is told to.
#include "chat/Room.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor;
using namespace uvreactor::protocols::chat;
using uvreactor::testing::FakeConnection;

namespace {

// Renders "kind nick text\n" and counts its calls.
class CountingRenderer final : public RoomEventRenderer {
 public:
  Payload render(const RoomEvent& event) const override {
    ++calls;
    std::string line = std::to_string(static_cast<int>(event.kind));
    line.append(" ").append(event.nick).append(" ").append(event.text).append("\n");
    return Payload::adopt(std::move(line));
  }
  mutable int calls = 0;
};

struct Silent final : ConnectionHandler {
  void onData(Connection&, std::string_view) override {}
};

class RoomTest : public ::testing::Test {
 protected:
  Member& member(const std::string& nick) {
    connections_.push_back(std::make_unique<FakeConnection>());
    connections_.back()->open(std::make_unique<Silent>());
    auto added = std::make_unique<Member>();
    added->id = members_.size() + 1;
    added->nick = nick;
    added->connection = connections_.back().get();
    added->renderer = &renderer_;
    members_.push_back(std::move(added));
    return *members_.back();
  }
  std::string output(std::size_t i) { return connections_[i]->takeOutput(); }

  CountingRenderer renderer_;
  std::vector<std::unique_ptr<FakeConnection>> connections_;
  std::vector<std::unique_ptr<Member>> members_;
  Member& alice_ = member("alice");
  Member& bob_ = member("bob");
  Member& carol_ = member("carol");
  Room room_{"Den", alice_};  // alice opened it
};

TEST_F(RoomTest, TheCreatorOperatesANewRoomWithItsTopicLocked) {
  EXPECT_EQ(room_.name(), "Den");
  EXPECT_TRUE(room_.empty());
  EXPECT_TRUE(room_.isOperator(alice_));
  EXPECT_FALSE(room_.isOperator(bob_));
  EXPECT_TRUE(room_.topicLocked());
  EXPECT_FALSE(room_.secret());
}

TEST_F(RoomTest, UnseatTakesTheMemberOutWithItsMarks) {
  room_.seat(alice_);
  room_.seat(bob_);
  room_.setVoiced(bob_, true);
  room_.setOperator(bob_, true);
  EXPECT_EQ(room_.size(), 2u);
  room_.unseat(bob_);
  EXPECT_EQ(room_.members(), std::vector<Member*>{&alice_});
  EXPECT_FALSE(room_.isVoiced(bob_));
  EXPECT_FALSE(room_.isOperator(bob_));
  room_.unseat(bob_);  // not seated: nothing
  EXPECT_EQ(room_.size(), 1u);
}

TEST_F(RoomTest, DeliverRendersOnceAndSkipsTheSender) {
  for (Member* m : {&alice_, &bob_, &carol_}) room_.seat(*m);
  room_.deliver(RoomEvent{RoomEventKind::Said, "Den", "alice", "hi", {}, {}}, &alice_);
  EXPECT_EQ(renderer_.calls, 1);
  EXPECT_EQ(output(0), "");
  EXPECT_EQ(output(1), "0 alice hi\n");
  EXPECT_EQ(output(2), "0 alice hi\n");
}

TEST_F(RoomTest, AFilteredDeliveryReachesOnlyWhomTheFilterAccepts) {
  for (Member* m : {&alice_, &bob_, &carol_}) room_.seat(*m);
  RoomEvent event{RoomEventKind::Quit, "Den", "zed", "bye", {}, {}};
  RenderedOnce rendered(event);
  room_.deliver(rendered, [&](const Member& m) { return &m == &bob_; });
  EXPECT_EQ(output(0), "");
  EXPECT_EQ(output(1), "5 zed bye\n");
  EXPECT_EQ(output(2), "");
}

TEST_F(RoomTest, TopicLockAndSecrecyAreTheRoomsOwn) {
  room_.setTopic(RoomTopic{"cake", "alice", 5});
  room_.lockTopic(false);
  room_.makeSecret(true);
  EXPECT_EQ(room_.topic().text, "cake");
  EXPECT_EQ(room_.topic().setBy, "alice");
  EXPECT_EQ(room_.topic().setAtSeconds, 5u);
  EXPECT_FALSE(room_.topicLocked());
  EXPECT_TRUE(room_.secret());
}

}  // namespace
