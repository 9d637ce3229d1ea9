#include "backplane/EventCodec.hpp"

#include <array>

#include "chat/Names.hpp"
#include "chat/RelayedText.hpp"

namespace uvreactor::protocols::backplane {
namespace {

using chat::RoomEventKind;

constexpr std::string_view kMagic = "uvr1";

// Only events one server sends another; the link notices are local.
constexpr std::array<std::pair<RoomEventKind, std::string_view>, 12> kKinds{{
    {RoomEventKind::ModeChanged, "mode"},
    {RoomEventKind::Kicked, "kicked"},
    {RoomEventKind::Said, "said"},
    {RoomEventKind::Acted, "acted"},
    {RoomEventKind::Noticed, "noticed"},
    {RoomEventKind::Joined, "joined"},
    {RoomEventKind::Left, "left"},
    {RoomEventKind::Quit, "quit"},
    {RoomEventKind::Renamed, "renamed"},
    {RoomEventKind::TopicSet, "topic"},
    {RoomEventKind::Private, "private"},
    {RoomEventKind::PrivateNotice, "pnotice"},
}};

std::string_view kindName(RoomEventKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return {};
}

std::optional<RoomEventKind> kindNamed(std::string_view name) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return std::nullopt;
}

// The next tab-terminated field, or nullopt when there is no tab left.
std::optional<std::string_view> field(std::string_view& rest) {
  std::size_t tab = rest.find('\t');
  if (tab == std::string_view::npos) return std::nullopt;
  std::string_view out = rest.substr(0, tab);
  rest.remove_prefix(tab + 1);
  return out;
}

// A mode change as a local operator makes one: "+t", "-o".
bool isModeChange(std::string_view text) {
  if (text.size() < 2 || text.size() > 16 || (text[0] != '+' && text[0] != '-')) return false;
  for (char c : text.substr(1)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// One rule for every kind, before any kind's own: text from another server
// is as clean as a local member's line, whatever field it is in and however
// a front end would show it. A newline forges a line; ESC, CR, BS and C1
// controls act on a terminal.
bool clean(const chat::RoomEvent& e) {
  for (std::string_view field : {e.room, e.nick, e.target, e.text}) {
    if (chat::holdsControl(field)) return false;
  }
  return true;
}

bool validFor(const chat::RoomEvent& e) {
  if (e.text.size() > kMaxEventText || !clean(e)) return false;
  bool isPrivate = e.kind == RoomEventKind::Private || e.kind == RoomEventKind::PrivateNotice;
  if (!chat::isValidNick(e.nick)) return false;
  bool targetOk = e.kind == RoomEventKind::ModeChanged
                      ? e.target.empty() || chat::isValidNick(e.target)
                  : e.kind == RoomEventKind::Kicked ? chat::isValidNick(e.target)
                                                    : e.target.empty();
  if (isPrivate ? !e.room.empty() || !chat::isValidNick(e.target)
                : !chat::isValidRoom(e.room) || !targetOk)
    return false;
  if (e.kind == RoomEventKind::Renamed) return chat::isValidNick(e.text);
  if (e.kind == RoomEventKind::ModeChanged) return isModeChange(e.text);
  return e.kind != RoomEventKind::Joined || e.text.empty();
}

}  // namespace

bool isValidRemoteNick(std::string_view nick) {
  return chat::isValidNick(nick) && !chat::holdsControl(nick);
}

bool isValidRemoteRoom(std::string_view room) {
  return chat::isValidRoom(room) && !chat::holdsControl(room);
}

bool isValidServerTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 8) return false;
  for (char c : tag) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

void encodeEvent(std::string& out, std::string_view server, const chat::RoomEvent& e) {
  out.reserve(out.size() + 32 + server.size() + e.room.size() + e.nick.size() + e.target.size() +
              e.text.size());
  out.append(kMagic).push_back('\t');
  out.append(server).push_back('\t');
  out.append(kindName(e.kind)).push_back('\t');
  out.append(e.room).push_back('\t');
  out.append(e.nick).push_back('\t');
  out.append(e.target).push_back('\t');
  // As the decoder will require, and as line chat shows it here.
  chat::appendRelayedText(out, e.text);
}

std::optional<DecodedEvent> decodeEvent(std::string_view message) {
  std::string_view rest = message;
  auto magic = field(rest);
  auto server = field(rest);
  auto kind = field(rest);
  auto room = field(rest);
  auto nick = field(rest);
  auto target = field(rest);
  if (!target || *magic != kMagic || !isValidServerTag(*server)) return std::nullopt;
  auto k = kindNamed(*kind);
  if (!k) return std::nullopt;
  DecodedEvent out{*server, chat::RoomEvent{*k, *room, *nick, rest, *target, {}}};
  if (!validFor(out.event)) return std::nullopt;
  return out;
}

}  // namespace uvreactor::protocols::backplane
