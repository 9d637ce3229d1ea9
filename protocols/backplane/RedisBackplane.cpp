#include "backplane/RedisBackplane.hpp"

#include <stdexcept>

#include "backplane/BackplaneScripts.hpp"
#include "backplane/EventCodec.hpp"
#include "chat/ChatCommand.hpp"
#include "chat/Names.hpp"
#include "uvreactor/Log.hpp"

namespace uvreactor::protocols::backplane {
namespace {

using chat::RoomEvent;
using chat::RoomEventKind;
using redis::encodeCommand;
using redis::RespValue;

// A member's rooms travel as one comma-separated field (no room name holds
// a comma).
template <class Fn>
void forEachRoom(std::string_view rooms, Fn&& fn) {
  while (!rooms.empty()) {
    std::size_t comma = rooms.find(',');
    std::string_view room = rooms.substr(0, comma);
    if (isValidRemoteRoom(room)) fn(room);
    rooms.remove_prefix(comma == std::string_view::npos ? rooms.size() : comma + 1);
  }
}

std::string randomTag() {
  static constexpr char kDigits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::string tag;
  for (int i = 0; i < 6; ++i) tag.push_back(kDigits[device() % 36]);
  return tag;
}

}  // namespace

RedisBackplane::RedisBackplane(Loop& loop, chat::ChatRoomService& rooms, Endpoint redis,
                               BackplaneOptions options)
    : loop_(loop),
      rooms_(rooms),
      options_(std::move(options)),
      tag_(randomTag()),
      roomChannelPrefix_(options_.prefix + ":room:"),
      serverChannel_(options_.prefix + ":server:" + tag_),
      heartbeat_(loop) {
  link_ = std::make_unique<redis::RedisLink>(
      loop, redis, options_.redis, [this](bool up) { onLink(up); },
      [this](std::string_view channel, std::string_view message) { onMessage(channel, message); });
  // Subscribed for the server's whole life, so the subscriber link exists
  // from the start and a room opened later does not make the link flap.
  link_->subscribe(serverChannel_);
  rooms_.attach(this, tag_);
  heartbeat_.start(options_.heartbeatMs, options_.heartbeatMs, [this] { heartbeat(); });
}

RedisBackplane::~RedisBackplane() {
  rooms_.attach(nullptr, {});
  heartbeat_.stop();
  link_.reset();  // no callback runs after this
}

std::string RedisBackplane::key(std::string_view kind, std::string_view name) const {
  std::string out = options_.prefix;
  out.append(":").append(kind).append(":").append(name);
  return out;
}

void RedisBackplane::onLink(bool up) {
  if (up) {
    upSinceMs_ = loop_.nowMs();
    heartbeat();  // before the rooms hear they are shared: nicks and members re-asserted
    logLine(LogLevel::Info, "backplane: linked through " + options_.prefix + " as " + tag_);
  } else {
    logLine(LogLevel::Warn, "backplane: link down; rooms are local until it is back");
    if (up_) roster_.linkLost();
  }
  up_ = up;
  rooms_.setShared(up);
}

void RedisBackplane::withdraw(std::function<void()> done) {
  heartbeat_.stop();
  if (!link_->up()) return done();
  link_->command({"DEL", key("alive", tag_), key("members", tag_)});
  link_->command({"SREM", options_.prefix + ":servers", tag_},
                 [done](const Error&, const RespValue&) { done(); });
}

void RedisBackplane::publish(const RoomEvent& event) {
  if (!up_) {
    ++stats_.unpublished;
    return;
  }
  scratch_.clear();
  encodeEvent(scratch_, tag_, event);
  std::string channel = roomChannelPrefix_;
  channel.append(chat::foldName(event.room));
  std::string bytes;
  encodeCommand(bytes, {"PUBLISH", channel, scratch_});
  ++stats_.published;
  link_->commandEncoded(std::move(bytes), [this](const Error& e, const RespValue&) {
    if (e) ++stats_.lostPublishes;
  });
}

void RedisBackplane::onMessage(std::string_view channel, std::string_view message) {
  auto decoded = decodeEvent(message);
  bool fromRoom = channel.substr(0, roomChannelPrefix_.size()) == roomChannelPrefix_;
  bool fits =
      decoded &&
      (fromRoom ? decoded->event.kind != RoomEventKind::Private &&
                      channel.substr(roomChannelPrefix_.size()) == decoded->event.room
                : channel == serverChannel_ && decoded->event.kind == RoomEventKind::Private);
  if (!fits) {
    if (++stats_.garbage == 1 || stats_.garbage % 1000 == 0)
      logLine(LogLevel::Warn, "backplane: dropped a message on " + std::string(channel) +
                                  " that is not a room event (" + std::to_string(stats_.garbage) +
                                  " so far)");
    return;
  }
  if (decoded->server == tag_) {
    ++stats_.ownEchoes;
    return;
  }
  ++stats_.received;
  roster_.track(decoded->server, decoded->event);
  rooms_.deliverRemote(decoded->event, decoded->server);
}

void RedisBackplane::roomOpened(std::string_view room) {
  link_->subscribe(roomChannelPrefix_ + chat::foldName(room));
}

void RedisBackplane::roomClosed(std::string_view room) {
  link_->unsubscribe(roomChannelPrefix_ + chat::foldName(room));
}

void RedisBackplane::memberAt(std::string_view nick, std::string_view room) {
  if (!up_) return;  // the heartbeat after the reconnect writes them all
  std::string members = key("members", tag_);
  std::string bytes;
  encodeCommand(bytes, {"HSET", members, nick, room});
  link_->commandEncoded(std::move(bytes));
  bytes.clear();
  encodeCommand(bytes, {"PEXPIRE", members, std::to_string(options_.expiryMs)});
  link_->commandEncoded(std::move(bytes));
}

void RedisBackplane::memberGone(std::string_view nick) {
  if (!up_) return;
  std::string bytes;
  encodeCommand(bytes, {"HDEL", key("members", tag_), nick});
  link_->commandEncoded(std::move(bytes));
}

void RedisBackplane::claimNick(std::string_view nick, std::function<void(bool)> done) {
  if (!up_) return done(true);  // local for now; the heartbeat claims it later
  std::string bytes;
  encodeCommand(bytes, {"EVAL", scripts::kClaim, "1", key("nick", chat::foldName(nick)), tag_,
                        std::to_string(options_.expiryMs)});
  link_->commandEncoded(std::move(bytes), [done](const Error& e, const RespValue& reply) {
    // A link lost before the answer: Redis is down, so the nick is local.
    done(e || reply.integer == 1);
  });
}

void RedisBackplane::releaseNick(std::string_view nick) {
  if (!up_) return;  // its claim expires
  std::string bytes;
  encodeCommand(bytes, {"EVAL", scripts::kRelease, "1", key("nick", chat::foldName(nick)), tag_});
  link_->commandEncoded(std::move(bytes));
}

void RedisBackplane::sendPrivate(const RoomEvent& event, std::function<void(bool)> done) {
  if (!up_) return done(false);
  scratch_.clear();
  encodeEvent(scratch_, tag_, event);
  std::string bytes;
  encodeCommand(bytes, {"EVAL", scripts::kPrivate, "1", key("nick", chat::foldName(event.target)),
                        options_.prefix, scratch_});
  link_->commandEncoded(std::move(bytes), [done](const Error& e, const RespValue& reply) {
    done(!e && reply.integer > 0);
  });
}

void RedisBackplane::listRemote(std::function<void(const Directory*)> done) {
  if (!up_) return done(nullptr);
  fetchDirectory([done](const Servers* servers) {
    if (servers == nullptr) return done(nullptr);
    Directory out;
    for (const auto& [tag, members] : *servers) {
      for (const auto& entry : members) {
        for (const std::string& room : entry.second.rooms)
          out.emplace_back(entry.second.nick, room);
      }
    }
    done(&out);
  });
}

// The other live servers and their members, in one round trip.
void RedisBackplane::fetchDirectory(std::function<void(const Servers*)> done) {
  std::string bytes;
  encodeCommand(bytes, {"EVAL", scripts::kDirectory, "0", options_.prefix});
  link_->commandEncoded(std::move(bytes), [this, done](const Error& e, const RespValue& reply) {
    if (e || reply.type != RespValue::Type::Array) return done(nullptr);
    Servers servers;
    const auto& flat = reply.elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
      if (flat[i].str() == tag_) continue;
      RemoteRoster::Server& server = servers[std::string(flat[i].str())];
      const auto& fields = flat[i + 1].elements;
      for (std::size_t j = 0; j + 1 < fields.size(); j += 2) {
        if (!isValidRemoteNick(fields[j].str())) continue;
        RemoteRoster::Member& member = server[chat::foldName(fields[j].str())];
        member.nick = std::string(fields[j].str());
        forEachRoom(fields[j + 1].str(),
                    [&](std::string_view room) { member.rooms.emplace_back(room); });
      }
    }
    done(&servers);
  });
}

// Refreshes this server's liveness, members and nicks (re-asserting them
// all after Redis lost them), renames members whose nick another server
// took, and looks for servers that stopped.
void RedisBackplane::heartbeat() {
  if (!link_->up()) return;
  auto members = rooms_.localMembers();
  std::vector<std::string> args{"EVAL",
                                std::string(scripts::kHeartbeat),
                                "0",
                                options_.prefix,
                                tag_,
                                std::to_string(options_.expiryMs),
                                std::to_string(members.size())};
  args.reserve(args.size() + 3 * members.size());
  for (auto& [nick, rooms] : members) {
    args.push_back(chat::foldName(nick));
    args.push_back(std::move(nick));
    args.push_back(std::move(rooms));
  }
  link_->command(std::move(args), [this](const Error& e, const RespValue& reply) {
    if (e) return;
    for (const RespValue& lost : reply.elements) {
      logLine(LogLevel::Info, "backplane: nick " + lost.text + " is held by another server");
      rooms_.nickLost(lost.str());
    }
  });
  fetchDirectory([this](const Servers* servers) {
    if (servers == nullptr) return;
    bool settled = loop_.nowMs() - upSinceMs_ >= 2 * options_.heartbeatMs;
    stats_.serversLost += roster_.reconcile(
        *servers, settled, loop_.nowMs(), [this](const RoomEvent& event, std::string_view server) {
          rooms_.deliverRemote(event, server);
        });
  });
}

BackplaneAddress parseBackplaneUrl(std::string_view url) {
  std::size_t at = url.rfind('@');
  // What may be quoted back: nothing before an '@', which may be a secret.
  std::string shown(at == std::string_view::npos ? url : url.substr(at + 1));
  bool tls = url.substr(0, 9) == "rediss://";
  std::size_t schemeSize = tls ? 9 : 8;
  if (!tls && url.substr(0, 8) != "redis://")
    throw std::invalid_argument("'" + shown + "' does not start with redis:// or rediss://");
  std::string_view rest = url.substr(schemeSize);
  std::string user;
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at - schemeSize);
    if (userinfo.find(':') != std::string_view::npos)
      throw std::invalid_argument(
          "no password in the URL: a command line is visible to every local user (ps, "
          "/proc); give it in a file with --backplane-password-file FILE or in the "
          "environment as UVR_BACKPLANE_PASSWORD");
    if (userinfo.empty()) throw std::invalid_argument("an empty user before '@' in the URL");
    user = std::string(userinfo);
    rest = rest.substr(at - schemeSize + 1);
  }
  std::string prefix = "uvr";
  if (std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    prefix = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (!chat::isValidName(prefix))
      throw std::invalid_argument("prefix '" + prefix + "' must be 1-32 letters, digits, _ or -");
  }
  auto endpoint = Endpoint::parse(rest);
  if (!endpoint) throw std::invalid_argument(endpoint.error().message());
  return {*endpoint, prefix, user, tls};
}

}  // namespace uvreactor::protocols::backplane
