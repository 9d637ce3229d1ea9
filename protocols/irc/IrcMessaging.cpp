// IrcSession: messages to channels and nicks, and the queries about people
// and the server (WHOIS, LUSERS, MODE).
#include <algorithm>
#include <ctime>

#include "chat/Names.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "irc/IrcNumerics.hpp"
#include "irc/IrcSession.hpp"
#include "irc/SecretCompare.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::protocols::irc {

namespace n = numeric;
using chat::RoomEventKind;

namespace {

// "\x01ACTION waves\x01" -> "waves"; nullopt-like empty view otherwise.
bool actionText(std::string_view text, std::string_view& action) {
  constexpr std::string_view kAction =
      "\x01"
      "ACTION ";
  if (text.substr(0, kAction.size()) != kAction) return false;
  action = text.substr(kAction.size());
  if (!action.empty() && action.back() == '\x01') action.remove_suffix(1);
  return true;
}

}  // namespace

void IrcSession::onMessage(const IrcMessage& m, bool notice) {
  std::string_view command = notice ? "NOTICE" : "PRIVMSG";
  if (m.paramCount == 0 || m.param(0).empty()) {
    if (!notice) numeric(n::kNoRecipient, {"No recipient given (" + std::string(command) + ")"});
    return;
  }
  if (m.paramCount < 2 || m.param(1).empty()) {
    if (!notice) numeric(n::kNoTextToSend, {"No text to send"});
    return;
  }
  std::string_view text = m.param(1);
  std::string_view targets = m.param(0);
  while (!targets.empty() && !ended_) {
    std::size_t comma = targets.find(',');
    std::string_view target = targets.substr(0, comma);
    targets.remove_prefix(comma == std::string_view::npos ? targets.size() : comma + 1);
    if (target.empty()) continue;
    if (target.front() == '#') {
      std::string room = roomIfIn(target);
      if (room.empty()) {
        if (notice) continue;
        if (frontEnd_.rooms().membersIn(target.substr(1)) != nullptr) {
          numeric(n::kCannotSendToChan, {target, "Cannot send to channel"});
        } else {
          numeric(n::kNoSuchChannel, {target, "No such channel"});
        }
        continue;
      }
      std::string_view action;
      if (!notice && actionText(text, action)) {
        frontEnd_.rooms().say(*member_, RoomEventKind::Acted, action, room);
      } else {
        frontEnd_.rooms().say(*member_, notice ? RoomEventKind::Noticed : RoomEventKind::Said, text,
                              room);
      }
      continue;
    }
    std::string who(target);
    if (chat::Member* to = frontEnd_.rooms().findByNick(target); to && !to->away.empty() && !notice)
      numeric(n::kAway, {to->nick, to->away});
    frontEnd_.rooms().sendPrivate(
        *member_, target, text,
        [this, who, notice](bool delivered) {
          if (!delivered && !notice) numeric(n::kNoSuchNick, {who, "No such nick/channel"});
        },
        notice ? RoomEventKind::PrivateNotice : RoomEventKind::Private);
  }
}

void IrcSession::onWhois(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kNoNicknameGiven, {"No nickname given"});
  // "WHOIS server nick" names the server first; the nick is the last word.
  std::string_view wanted = m.param(m.paramCount - 1);
  const std::string& server = frontEnd_.options().serverName;
  chat::Member* who = frontEnd_.rooms().findByNick(wanted);
  if (who == nullptr) {
    numeric(n::kNoSuchNick, {wanted, "No such nick/channel"});
    return numeric(n::kEndOfWhois, {wanted, "End of /WHOIS list"});
  }
  std::string origin = who->origin.empty() ? who->nick + "@" + server : who->origin;
  std::size_t at = origin.find('@');
  numeric(n::kWhoisUser, {who->nick, origin.substr(0, at), origin.substr(at + 1), "*",
                          who->realname.empty() ? who->nick : who->realname});
  if (!who->rooms.empty()) {
    std::string channels;
    for (const std::string& room : who->rooms) {
      if (!channels.empty()) channels.push_back(' ');
      channels.append(channelOf(room));
    }
    numeric(n::kWhoisChannels, {who->nick, channels});
  }
  numeric(n::kWhoisServer, {who->nick, server, "uvreactor"});
  // Known for members of this server only: the backplane carries no TLS state.
  if (who->connection != nullptr && who->connection->tls().active)
    numeric(n::kWhoisSecure, {who->nick, "is using a secure connection"});
  numeric(n::kEndOfWhois, {who->nick, "End of /WHOIS list"});
}

void IrcSession::onLusers() {
  auto& rooms = frontEnd_.rooms();
  std::string users = std::to_string(rooms.memberCount());
  numeric(n::kLUserClient, {"There are " + users + " users and 0 invisible on 1 servers"});
  numeric(n::kLUserOp, {"0", "operator(s) online"});
  numeric(n::kLUserUnknown, {"0", "unknown connection(s)"});
  numeric(n::kLUserChannels, {std::to_string(rooms.roomCount()), "channels formed"});
  numeric(n::kLUserMe, {"I have " + users + " clients and 0 servers"});
}

// User modes: none (a change of one's own is ignored, as clients send +i).
void IrcSession::onMode(const IrcMessage& m) {
  if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"MODE", "Not enough parameters"});
  std::string_view target = m.param(0);
  if (target.front() == '#') return onChannelMode(m);
  if (!chat::sameName(target, member_->nick)) {
    if (frontEnd_.rooms().findByNick(target) == nullptr)
      return numeric(n::kNoSuchNick, {target, "No such nick/channel"});
    return numeric(n::kUsersDontMatch, {"Cant change mode for other users"});
  }
  if (m.paramCount == 1) {
    std::string modes = "+";
    if (member_->invisible) modes.push_back('i');
    if (member_->serverOperator) modes.push_back('o');
    return numeric(n::kUModeIs, {modes});
  }
  bool adding = true;
  std::string applied;
  for (char c : m.param(1)) {
    if (c == '+' || c == '-') {
      adding = c == '+';
    } else if (c == 'i') {
      if (member_->invisible == adding) continue;
      member_->invisible = adding;
      applied.push_back(adding ? '+' : '-');
      applied.push_back('i');
    } else if (c != 'o' || adding) {  // -o drops nothing we keep; +o needs OPER
      numeric(n::kUModeUnknownFlag, {"Unknown MODE flag"});
    } else {
      member_->serverOperator = false;
      applied.append("-o");
    }
  }
  if (!applied.empty())
    send(frontEnd_.renderer().sourceOf(member_->nick, member_->origin), "MODE",
         {member_->nick, applied}, true);
}

// Channel modes: +t (topic lock), +s (secret), +o and +v change; +n is
// always on; the ban list (b) is always empty; anything else is unknown.
void IrcSession::onChannelMode(const IrcMessage& m) {
  auto& rooms = frontEnd_.rooms();
  std::string_view channel = m.param(0);
  std::string_view room = channel.substr(1);
  if (rooms.membersIn(room) == nullptr)
    return numeric(n::kNoSuchChannel, {channel, "No such channel"});
  std::string name = channelOf(rooms.roomName(room));
  if (m.paramCount == 1) {
    std::string modes = "+n";
    if (rooms.isSecret(room)) modes.push_back('s');
    if (rooms.topicLocked(room)) modes.push_back('t');
    return numeric(n::kChannelModeIs, {name, modes});
  }
  std::string_view modes = m.param(1);
  std::size_t arg = 2;
  bool adding = true;
  for (char c : modes) {
    if (c == '+' || c == '-') {
      adding = c == '+';
      continue;
    }
    if (c == 'b') {
      if (m.paramCount > arg)
        return numeric(n::kChanOPrivsNeeded, {name, "You're not channel operator"});
      numeric(n::kEndOfBanList, {name, "End of channel ban list"});
      continue;
    }
    if (c != 't' && c != 'o' && c != 'v' && c != 's' && c != 'n') {
      numeric(n::kUnknownMode, {std::string(1, c), "is unknown mode char to me"});
      continue;
    }
    if (roomIfIn(channel).empty() || !rooms.isOperator(*member_, room))
      return numeric(n::kChanOPrivsNeeded, {name, "You're not channel operator"});
    if (c != 'o' && c != 'v') {
      changeRoomMode(room, c, adding);
      continue;
    }
    if (m.paramCount <= arg) return numeric(n::kNeedMoreParams, {"MODE", "Not enough parameters"});
    if (!changeMemberMode(room, name, c, adding, m.param(arg++))) return;
  }
}

// +t or +s (+n changes nothing), announced when it changes the room.
void IrcSession::changeRoomMode(std::string_view room, char c, bool adding) {
  auto& rooms = frontEnd_.rooms();
  if (c == 't' && rooms.topicLocked(room) != adding) {
    rooms.lockTopic(room, adding);
  } else if (c == 's' && rooms.isSecret(room) != adding) {
    rooms.makeSecret(room, adding);
  } else {
    return;
  }
  std::string change(1, adding ? '+' : '-');
  change.push_back(c);
  rooms.announceMode(*member_, room, change);
}

// +o or +v for `nick`; false (the reply sent) when no such member is in
// the room, which ends the MODE command.
bool IrcSession::changeMemberMode(std::string_view room, const std::string& name, char c,
                                  bool adding, std::string_view nick) {
  auto& rooms = frontEnd_.rooms();
  chat::Member* who = rooms.findByNick(nick);
  if (who == nullptr) {
    numeric(n::kNoSuchNick, {nick, "No such nick/channel"});
    return false;
  }
  const auto* members = rooms.membersIn(room);
  if (std::find(members->begin(), members->end(), who) == members->end()) {
    numeric(n::kUserNotInChannel, {nick, name, "They aren't on that channel"});
    return false;
  }
  bool has = c == 'o' ? rooms.isOperator(*who, room) : rooms.isVoiced(*who, room);
  if (has == adding) return true;
  if (c == 'o') {
    rooms.setOperator(room, *who, adding);
  } else {
    rooms.setVoiced(room, *who, adding);
  }
  std::string change(1, adding ? '+' : '-');
  change.push_back(c);
  rooms.announceMode(*member_, room, change, who->nick);
  return true;
}

void IrcSession::onAway(const IrcMessage& m) {
  if (m.paramCount == 0 || m.param(0).empty()) {
    member_->away.clear();
    return numeric(n::kUnAway, {"You are no longer marked as being away"});
  }
  member_->away = std::string(m.param(0).substr(0, 200));
  numeric(n::kNowAway, {"You have been marked as being away"});
}

// A wrong OPER is logged (rate-limited for the whole process, so a flood
// from many sessions is one line and a count) and ends the session at the
// kMaxOperFailures-th, as sshd's MaxAuthTries does: guessing costs a new
// connection (and registration) per few tries.
void IrcSession::onOper(const IrcMessage& m) {
  constexpr unsigned kMaxOperFailures = 3;
  static LogRateLimit failureLog(1, 10000);
  if (m.paramCount < 2) return numeric(n::kNeedMoreParams, {"OPER", "Not enough parameters"});
  const IrcOptions& o = frontEnd_.options();
  const IrcOperator* match = nullptr;
  for (const IrcOperator& op : o.operators) {
    if (op.name == m.param(0)) match = &op;
  }
  bool ok = match != nullptr && secretsEqual(m.param(1), match->password);
  if (!ok) {
    failureLog.log(LogLevel::Warn, "irc " + connection_->peer().toString() + " (" + nick() +
                                       "): failed OPER as " +
                                       std::string(m.param(0).substr(0, 30)));
    if (match == nullptr)
      numeric(n::kNoOperHost, {"No O-lines for your host"});
    else
      numeric(n::kPasswdMismatch, {"Password incorrect"});
    if (++operFailures_ >= kMaxOperFailures)
      endSession("Too many failed OPER attempts", "Too many failed OPER attempts");
    return;
  }
  member_->serverOperator = true;
  numeric(n::kYoureOper, {"You are now an IRC operator"});
}

}  // namespace uvreactor::protocols::irc
