// IrcSession: WHO, over a channel's members or a mask over every user, in
// the classic 352 form or as WHOX (354) with the fields asked for.
#include <string>
#include <vector>

#include "chat/Names.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "irc/IrcNumerics.hpp"
#include "irc/IrcSession.hpp"

namespace uvreactor::protocols::irc {

namespace n = numeric;

namespace {

// IRC masks: '*' any run, '?' any one byte, compared case-folded.
bool maskMatches(std::string_view mask, std::string_view text) {
  std::string m = chat::foldName(mask), t = chat::foldName(text);
  std::size_t mi = 0, ti = 0, star = std::string::npos, mark = 0;
  while (ti < t.size()) {
    if (mi < m.size() && (m[mi] == '?' || m[mi] == t[ti])) {
      ++mi, ++ti;
    } else if (mi < m.size() && m[mi] == '*') {
      star = mi++;
      mark = ti;
    } else if (star != std::string::npos) {
      mi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (mi < m.size() && m[mi] == '*') ++mi;
  return mi == m.size();
}

// A user's nick, user, host or realname matches `pattern`.
bool whoMatches(std::string_view pattern, const chat::Member& who) {
  std::size_t at = who.origin.find('@');
  return maskMatches(pattern, who.nick) || maskMatches(pattern, who.realname) ||
         (at != std::string::npos && (maskMatches(pattern, who.origin.substr(0, at)) ||
                                      maskMatches(pattern, who.origin.substr(at + 1))));
}

// What one WHO line says about one user.
struct WhoLine {
  std::string_view channel;
  std::string user, host, flags;
  std::string_view server, nick, realname;
};

// "%FIELDS[,TOKEN]" as WHOX's 354 fields, in WHOX's fixed order, after the
// asker's nick.
std::vector<std::string> whoxFields(std::string_view asker, std::string_view fields,
                                    std::string_view token, const WhoLine& line) {
  std::vector<std::string> out{std::string(asker)};
  for (char c : std::string_view("tcuihsnfdlaor")) {
    if (fields.find(c) == std::string_view::npos) continue;
    switch (c) {
      case 't':
        if (!token.empty()) out.emplace_back(token);
        break;
      case 'c':
        out.emplace_back(line.channel);
        break;
      case 'u':
        out.push_back(line.user);
        break;
      case 'i':
        out.emplace_back(line.host.find_first_not_of("0123456789.:abcdef") == std::string::npos
                             ? line.host
                             : "255.255.255.255");
        break;
      case 'h':
        out.push_back(line.host);
        break;
      case 's':
        out.emplace_back(line.server);
        break;
      case 'n':
        out.emplace_back(line.nick);
        break;
      case 'f':
        out.push_back(line.flags);
        break;
      case 'd':
      case 'l':
      case 'a':
        out.emplace_back("0");
        break;
      case 'o':
        out.emplace_back("n/a");
        break;
      case 'r':
        out.emplace_back(line.realname);
        break;
    }
  }
  return out;
}

}  // namespace

// WHO #channel, or WHO MASK over every user's nick (and user, host,
// realname); "WHO" and "WHO 0" mean every user. "WHO MASK %FIELDS[,TOKEN]"
// (WHOX) answers 354 with the fields asked for, in WHOX's fixed order.
void IrcSession::onWho(const IrcMessage& m) {
  std::string mask(m.param(0));
  WhoxRequest whox;
  std::string_view fields = m.param(1);
  if (!fields.empty() && fields.front() == '%') {
    whox.on = true;
    whox.fields = fields.substr(1);
    if (std::size_t comma = whox.fields.find(','); comma != std::string_view::npos) {
      whox.token = whox.fields.substr(comma + 1);
      whox.fields = whox.fields.substr(0, comma);
    }
  }
  if (!mask.empty() && mask.front() == '#') {
    whoChannel(std::string_view(mask).substr(1), whox);
  } else {
    whoMask(mask.empty() || mask == "0" ? std::string_view("*") : mask, whox);
  }
  numeric(n::kEndOfWho, {mask.empty() ? "*" : mask, "End of WHO list"});
}

void IrcSession::whoChannel(std::string_view room, const WhoxRequest& whox) {
  auto& rooms = frontEnd_.rooms();
  const auto* members = rooms.membersIn(room);
  if (members == nullptr) return;
  std::string channel = channelOf(rooms.roomName(room));
  for (const chat::Member* who : *members) whoReply(channel, *who, prefixIn(*who, room), whox);
}

void IrcSession::whoMask(std::string_view pattern, const WhoxRequest& whox) {
  auto sharesRoom = [&](const chat::Member& who) {
    for (const std::string& room : who.rooms) {
      if (!roomIfIn(channelOf(room)).empty()) return true;
    }
    return false;
  };
  frontEnd_.rooms().forEachMember([&](const chat::Member& who) {
    // Invisible users show up by their exact nick, or to those who
    // share a channel with them, not in a search.
    bool exact = chat::sameName(pattern, who.nick);
    if (!whoMatches(pattern, who) ||
        (who.invisible && !exact && !sharesRoom(who) && &who != member_))
      return;
    std::string channel = who.rooms.empty() ? "*" : channelOf(who.rooms.front());
    whoReply(channel, who, who.rooms.empty() ? char(0) : prefixIn(who, who.rooms.front()), whox);
  });
}

// '@' for a channel operator, '+' for voice, else 0.
char IrcSession::prefixIn(const chat::Member& who, std::string_view room) const {
  auto& rooms = frontEnd_.rooms();
  if (rooms.isOperator(who, room)) return '@';
  return rooms.isVoiced(who, room) ? '+' : char(0);
}

void IrcSession::whoReply(std::string_view channel, const chat::Member& who, char prefix,
                          const WhoxRequest& whox) {
  const std::string& server = frontEnd_.options().serverName;
  std::string origin = who.origin.empty() ? who.nick + "@" + server : who.origin;
  std::size_t at = origin.find('@');
  WhoLine line{channel,
               origin.substr(0, at),
               origin.substr(at + 1),
               who.away.empty() ? "H" : "G",
               server,
               who.nick,
               who.realname.empty() ? who.nick : who.realname};
  if (who.serverOperator) line.flags.push_back('*');
  if (prefix != 0) line.flags.push_back(prefix);
  if (!whox.on) {
    return numeric(n::kWhoReply, {channel, line.user, line.host, server, who.nick, line.flags,
                                  std::string("0 ").append(line.realname)});
  }
  std::vector<std::string> fields = whoxFields(nick(), whox.fields, whox.token, line);
  std::vector<std::string_view> views(fields.begin(), fields.end());
  out_.clear();
  appendIrcLine(out_, server, n::kWhoSpcRpl, views.data(), views.size(),
                whox.fields.find('r') != std::string_view::npos);
  connection_->send(out_);
}

}  // namespace uvreactor::protocols::irc
