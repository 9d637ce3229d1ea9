// IrcSession: channel commands. A channel is "#" + a room of the room
// service, shared with every other front end (and server).
#include <algorithm>
#include <ctime>
#include <memory>
#include <vector>

#include "chat/Names.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "irc/IrcNumerics.hpp"
#include "irc/IrcSession.hpp"

namespace uvreactor::protocols::irc {

namespace n = numeric;

namespace {

template <class Fn>
void forEachListed(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    if (!item.empty()) fn(item);
  }
}

}  // namespace

std::string IrcSession::roomIfIn(std::string_view channel) const {
  if (channel.size() < 2 || channel.front() != '#') return {};
  for (const std::string& room : member_->rooms) {
    if (chat::sameName(room, channel.substr(1))) return room;
  }
  return {};
}

void IrcSession::onJoin(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"JOIN", "Not enough parameters"});
  if (m.param(0) == "0") {  // leave every channel
    std::vector<std::string> rooms = member_->rooms;
    for (const std::string& room : rooms) {
      send(frontEnd_.renderer().sourceOf(member_->nick, member_->origin), "PART",
           {channelOf(room)});
      frontEnd_.rooms().leaveRoom(*member_, room);
    }
    return;
  }
  forEachListed(m.param(0), [&](std::string_view channel) {
    if (ended_) return;
    if (!isValidChannel(channel) || !chat::isValidRoom(channel.substr(1)))
      return numeric(n::kNoSuchChannel, {channel, "No such channel"});
    if (!roomIfIn(channel).empty()) return;  // already there
    auto& rooms = frontEnd_.rooms();
    switch (rooms.enterRoom(*member_, channel.substr(1))) {
      case chat::ChatRoomService::EnterResult::Entered:
        break;
      case chat::ChatRoomService::EnterResult::AlreadyIn:
        return;
      case chat::ChatRoomService::EnterResult::MemberFull:
        return numeric(n::kTooManyChannels, {channel, "You have joined too many channels"});
      case chat::ChatRoomService::EnterResult::ServerFull:
        refused("channel " + std::string(channel) + " refused, server channel limit " +
                std::to_string(rooms.limits().total) + " reached");
        return numeric(n::kNoSuchChannel,
                       {channel, "Cannot create channel: the server has its limit of " +
                                     std::to_string(rooms.limits().total) + " channels"});
    }
    std::string name = channelOf(rooms.roomName(channel.substr(1)));
    send(frontEnd_.renderer().sourceOf(member_->nick, member_->origin), "JOIN", {name});
    if (const chat::RoomTopic* topic = rooms.topicOf(channel.substr(1));
        topic && !topic->text.empty()) {
      numeric(n::kTopic, {name, topic->text});
      numeric(n::kTopicWhoTime, {name, topic->setBy, std::to_string(topic->setAtSeconds)});
    }
    sendNames({name}, name);
  });
}

void IrcSession::onPart(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"PART", "Not enough parameters"});
  std::string_view reason = m.param(1);
  forEachListed(m.param(0), [&](std::string_view channel) {
    std::string room = roomIfIn(channel);
    if (room.empty()) {
      bool exists = channel.size() > 1 && frontEnd_.rooms().membersIn(channel.substr(1)) != nullptr;
      return numeric(exists ? n::kNotOnChannel : n::kNoSuchChannel,
                     {channel, exists ? "You're not on that channel" : "No such channel"});
    }
    std::string source = frontEnd_.renderer().sourceOf(member_->nick, member_->origin);
    if (reason.empty()) {
      send(source, "PART", {channelOf(room)});
    } else {
      send(source, "PART", {channelOf(room), reason}, true);
    }
    frontEnd_.rooms().leaveRoom(*member_, room, reason);
  });
}

// "NAMES #a,#b": the 353 lines of each channel, then one 366 naming the
// whole list, as clients asking for several expect.
void IrcSession::onNames(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kEndOfNames, {"*", "End of /NAMES list"});
  std::vector<std::string> channels;
  forEachListed(m.param(0), [&](std::string_view channel) {
    if (channel.size() > 1 && frontEnd_.rooms().membersIn(channel.substr(1)) != nullptr)
      channels.push_back(channelOf(frontEnd_.rooms().roomName(channel.substr(1))));
  });
  sendNames(channels, std::string(m.param(0)));
}

// 353 lines of nicks (as many as fit), then 366. Other servers' members are
// asked for through the service, so the answer may come later; the 366
// follows the last channel's answer.
void IrcSession::sendNames(const std::vector<std::string>& channels, const std::string& label) {
  if (channels.empty()) return numeric(n::kEndOfNames, {label, "End of /NAMES list"});
  auto pending = std::make_shared<std::size_t>(channels.size());
  for (const std::string& channel : channels) {
    frontEnd_.rooms().who(
        *member_, channel.substr(1),
        [this, channel, label, pending](const std::vector<std::string>& nicks, bool) {
          auto& rooms = frontEnd_.rooms();
          std::string_view room = std::string_view(channel).substr(1);
          std::string_view symbol = rooms.isSecret(room) ? "@" : "=";
          std::string line;
          for (const std::string& nick : nicks) {
            if (line.size() + nick.size() > 400) {
              numeric(n::kNamReply, {symbol, channel, line});
              line.clear();
            }
            if (!line.empty()) line.push_back(' ');
            chat::Member* who = rooms.findByNick(nick);
            if (who && rooms.isOperator(*who, room)) {
              line.push_back('@');
            } else if (who && rooms.isVoiced(*who, room)) {
              line.push_back('+');
            }
            line.append(nick);
          }
          if (!line.empty()) numeric(n::kNamReply, {symbol, channel, line});
          if (--*pending == 0) numeric(n::kEndOfNames, {label, "End of /NAMES list"});
        });
  }
}

void IrcSession::onTopic(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"TOPIC", "Not enough parameters"});
  std::string_view channel = m.param(0);
  auto& rooms = frontEnd_.rooms();
  if (channel.size() < 2 || channel.front() != '#' || rooms.membersIn(channel.substr(1)) == nullptr)
    return numeric(n::kNoSuchChannel, {channel, "No such channel"});
  std::string name = channelOf(rooms.roomName(channel.substr(1)));
  std::string room = roomIfIn(channel);
  if (m.paramCount == 1) {
    const chat::RoomTopic* topic = rooms.topicOf(channel.substr(1));
    if (topic == nullptr || topic->text.empty())
      return numeric(n::kNoTopic, {name, "No topic is set"});
    numeric(n::kTopic, {name, topic->text});
    return numeric(n::kTopicWhoTime, {name, topic->setBy, std::to_string(topic->setAtSeconds)});
  }
  if (room.empty()) return numeric(n::kNotOnChannel, {name, "You're not on that channel"});
  if (rooms.topicLocked(room) && !rooms.isOperator(*member_, room))
    return numeric(n::kChanOPrivsNeeded, {name, "You're not channel operator"});
  rooms.setTopic(*member_, room, m.param(1).substr(0, 390));
}

void IrcSession::onList(const IrcMessage& m) {
  std::string filter(m.param(0));
  frontEnd_.rooms().listRooms(*member_, [this, filter](const auto& all, bool) {
    numeric(n::kListStart, {"Channel", "Users  Name"});
    for (const auto& [room, count] : all) {
      std::string channel = channelOf(room);
      if (!filter.empty()) {
        bool listed = false;
        forEachListed(filter, [&](std::string_view f) { listed |= chat::sameName(f, channel); });
        if (!listed) continue;
      }
      if (frontEnd_.rooms().isSecret(room) && roomIfIn(channel).empty()) continue;
      const chat::RoomTopic* topic = frontEnd_.rooms().topicOf(room);
      numeric(n::kList, {channel, std::to_string(count), topic ? topic->text : std::string()});
    }
    numeric(n::kListEnd, {"End of /LIST"});
  });
}

// "KICK #chan nick[,nick...] [:reason]", or "KICK #a,#b n1,n2" in pairs.
// The reason defaults to the kicker's nick (RFC 2812). Each kick goes out
// as its own KICK line with one channel and one nick, as clients expect.
void IrcSession::onKick(const IrcMessage& m) {
  std::vector<std::string_view> channels, nicks;
  forEachListed(m.param(0), [&](std::string_view c) { channels.push_back(c); });
  forEachListed(m.param(1), [&](std::string_view k) { nicks.push_back(k); });
  if (m.paramCount < 2 || channels.empty() || nicks.empty() ||
      (channels.size() != 1 && channels.size() != nicks.size()))
    return numeric(n::kNeedMoreParams, {"KICK", "Not enough parameters"});
  nicks.resize(std::min<std::size_t>(nicks.size(), 20));  // TARGMAX KICK:20; the rest dropped
  std::string reason(m.paramCount > 2 && !m.param(2).empty() ? m.param(2) : member_->nick);
  reason.resize(std::min<std::size_t>(reason.size(), 255));  // KICKLEN
  for (std::size_t i = 0; i < nicks.size(); ++i)
    kickOne(channels.size() == 1 ? channels[0] : channels[i], nicks[i], reason);
}

void IrcSession::kickOne(std::string_view channel, std::string_view nick,
                         const std::string& reason) {
  auto& rooms = frontEnd_.rooms();
  if (channel.size() < 2 || channel.front() != '#' || rooms.membersIn(channel.substr(1)) == nullptr)
    return numeric(n::kNoSuchChannel, {channel, "No such channel"});
  std::string name = channelOf(rooms.roomName(channel.substr(1)));
  using Result = chat::ChatRoomService::KickResult;
  rooms.kick(
      *member_, channel.substr(1), nick, reason,
      [this, name, nick = std::string(nick)](Result result) {
        switch (result) {
          case Result::Kicked:
            return;
          case Result::NotInRoom:
            return numeric(n::kNotOnChannel, {name, "You're not on that channel"});
          case Result::NotOperator:
            return numeric(n::kChanOPrivsNeeded, {name, "You're not channel operator"});
          case Result::NoSuchMember:
            return numeric(n::kUserNotInChannel, {nick, name, "They aren't on that channel"});
        }
      });
}

}  // namespace uvreactor::protocols::irc
