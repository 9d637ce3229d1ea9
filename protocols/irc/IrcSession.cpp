#include "irc/IrcSession.hpp"

#include <algorithm>

#include "chat/Names.hpp"
#include "irc/IrcFrontEnd.hpp"
#include "irc/IrcNumerics.hpp"
#include "irc/SecretCompare.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"

namespace uvreactor::protocols::irc {

namespace n = numeric;

namespace {
// Lines a peer can cause, each limited process-wide; what is still
// unreported is summed up at exit.
LogRateLimit& protocolErrorLog() {
  static LogRateLimit limit;
  return limit;
}
LogRateLimit& refusalLog() {
  static LogRateLimit limit;
  return limit;
}
}  // namespace

void IrcSession::refused(const std::string& what) {
  refusalLog().log(LogLevel::Info, "irc " + connection_->peer().toString() + ": " + what);
}

IrcSession::IrcSession(IrcFrontEnd& frontEnd)
    : frontEnd_(frontEnd), codec_(kMaxTagBytes + kMaxLineBytes) {
  frontEnd_.add(this);
}

IrcSession::~IrcSession() {
  frontEnd_.remove(this);
}

const std::string& IrcSession::nick() const {
  static const std::string kNone = "*";
  if (member_ != nullptr) return member_->nick;
  return nick_.empty() ? kNone : nick_;
}

void IrcSession::onOpen(Connection& connection) {
  connection_ = &connection;
  host_ = connection.peer().host();
  lastHeardMs_ = frontEnd_.nowMs();
  floodAtMs_ = lastHeardMs_;
  floodTokens_ = frontEnd_.options().floodBurst;
}

void IrcSession::onData(Connection& connection, std::string_view bytes) {
  Error e = codec_.feed(bytes, [this](std::string_view line) { return handleLine(line); });
  if (e && !ended_) {
    protocolErrorLog().log(LogLevel::Info,
                           "irc " + connection.peer().toString() + ": " + e.message());
    endSession("Input line too long", "Input line too long");
  }
}

void IrcSession::onEof(Connection&) {
  endSession("Connection closed", "");
}

void IrcSession::onClose(Connection&, const Error& reason) {
  if (member_ != nullptr) {
    frontEnd_.rooms().leave(*member_, reason ? "Connection lost" : "Connection closed");
    member_ = nullptr;
  }
  ended_ = true;
}

void IrcSession::checkAlive(uint64_t now) {
  if (ended_) return;
  const IrcOptions& o = frontEnd_.options();
  if (pingSentMs_ != 0 && now - pingSentMs_ >= o.pingTimeoutMs) {
    std::string why = "Ping timeout: " + std::to_string((now - pingSentMs_) / 1000) + " seconds";
    endSession(why, why);
  } else if (pingSentMs_ == 0 && now - lastHeardMs_ >= o.pingIntervalMs) {
    send({}, "PING", {o.serverName}, true);
    pingSentMs_ = now;
  }
}

// Ends the session: tells the client why (ERROR), its rooms (QUIT), and
// closes gracefully, so the ERROR line is delivered.
void IrcSession::endSession(std::string_view reason, std::string_view error) {
  if (ended_) return;
  ended_ = true;
  if (!error.empty()) {
    std::string text = "Closing Link: " + host_ + " (" + std::string(error) + ")";
    send({}, "ERROR", {text}, true);
  }
  if (member_ != nullptr) {
    frontEnd_.rooms().leave(*member_, reason);
    member_ = nullptr;
  }
  connection_->close();
}

bool IrcSession::floodOk() {
  const IrcOptions& o = frontEnd_.options();
  if (o.floodLinesPerSecond == 0) return true;
  uint64_t now = frontEnd_.nowMs();
  floodTokens_ =
      std::min<double>(o.floodBurst, floodTokens_ + static_cast<double>(now - floodAtMs_) *
                                                        o.floodLinesPerSecond / 1000.0);
  floodAtMs_ = now;
  floodTokens_ -= 1;
  return floodTokens_ >= -1;
}

bool IrcSession::handleLine(std::string_view line) {
  if (ended_) return false;
  lastHeardMs_ = frontEnd_.nowMs();
  pingSentMs_ = 0;  // any line shows the client is there
  if (!floodOk()) {
    refused("dropped for flooding (Excess Flood)");
    endSession("Excess Flood", "Excess Flood");
    return false;
  }
  std::string_view withoutTags = line;
  if (!line.empty() && line.front() == '@') {
    std::size_t space = line.find(' ');
    withoutTags = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  if (withoutTags.size() + 2 > kMaxLineBytes) {
    numeric(n::kInputTooLong, {"Input line was too long"});
    return true;
  }
  IrcMessage m;
  if (!parseIrcMessage(line, m)) return true;  // empty lines are ignored
  dispatch(m);
  return !ended_;
}

void IrcSession::dispatch(const IrcMessage& m) {
  if (m.isCommand("CAP")) return onCap(m);
  if (m.isCommand("PASS")) return onPass(m);
  if (m.isCommand("NICK")) return onNick(m);
  if (m.isCommand("USER")) return onUser(m);
  if (m.isCommand("PING")) {
    if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"PING", "Not enough parameters"});
    return send(frontEnd_.options().serverName, "PONG",
                {frontEnd_.options().serverName, m.param(0)}, true);
  }
  if (m.isCommand("PONG")) return;
  if (m.isCommand("QUIT")) return onQuit(m);
  if (!registered()) return numeric(n::kNotRegistered, {"You have not registered"});
  if (m.isCommand("PRIVMSG")) return onMessage(m, false);
  if (m.isCommand("NOTICE")) return onMessage(m, true);
  if (m.isCommand("JOIN")) return onJoin(m);
  if (m.isCommand("PART")) return onPart(m);
  if (m.isCommand("NAMES")) return onNames(m);
  if (m.isCommand("TOPIC")) return onTopic(m);
  if (m.isCommand("LIST")) return onList(m);
  if (m.isCommand("WHO")) return onWho(m);
  if (m.isCommand("WHOIS")) return onWhois(m);
  if (m.isCommand("LUSERS")) return onLusers();
  if (m.isCommand("MODE")) return onMode(m);
  if (m.isCommand("AWAY")) return onAway(m);
  if (m.isCommand("OPER")) return onOper(m);
  if (m.isCommand("KICK")) return onKick(m);
  if (m.isCommand("MOTD")) return numeric(n::kNoMotd, {"MOTD File is missing"});
  numeric(n::kUnknownCommand, {m.command, "Unknown command"});
}

void IrcSession::onCap(const IrcMessage& m) {
  std::string_view sub = m.param(0);
  auto is = [&](std::string_view word) {
    IrcMessage probe;
    probe.command = sub;
    return probe.isCommand(word);
  };
  if (is("LS")) {
    if (!registered()) capNegotiating_ = true;
    send(frontEnd_.options().serverName, "CAP", {nick(), "LS", ""}, true);
  } else if (is("LIST")) {
    send(frontEnd_.options().serverName, "CAP", {nick(), "LIST", ""}, true);
  } else if (is("REQ")) {
    if (!registered()) capNegotiating_ = true;
    send(frontEnd_.options().serverName, "CAP", {nick(), "NAK", m.param(1)}, true);
  } else if (is("END")) {
    capNegotiating_ = false;
    tryRegister();
  } else {
    numeric(n::kInvalidCapCmd, {sub, "Invalid CAP command"});
  }
}

void IrcSession::onPass(const IrcMessage& m) {
  if (registered()) return numeric(n::kAlreadyRegistered, {"You may not reregister"});
  if (m.paramCount == 0) return numeric(n::kNeedMoreParams, {"PASS", "Not enough parameters"});
  passwordGiven_ = secretsEqual(m.param(0), frontEnd_.options().password);
}

void IrcSession::onNick(const IrcMessage& m) {
  if (m.paramCount == 0 || m.param(0).empty())
    return numeric(n::kNoNicknameGiven, {"No nickname given"});
  std::string_view wanted = m.param(0);
  if (!isValidNick(wanted) || !chat::isValidNick(wanted))
    return numeric(n::kErroneusNickname, {wanted, "Erroneous nickname"});
  if (!registered()) {
    if (!frontEnd_.rooms().nickFree(wanted))
      return numeric(n::kNicknameInUse, {wanted, "Nickname is already in use"});
    nick_ = std::string(wanted);
    return tryRegister();
  }
  if (wanted == member_->nick) return;
  std::string oldSource = frontEnd_.renderer().sourceOf(member_->nick, member_->origin);
  frontEnd_.rooms().rename(
      *member_, wanted,
      [this, oldSource](chat::ChatRoomService::RenameResult result, std::string_view name) {
        using R = chat::ChatRoomService::RenameResult;
        if (result == R::Ok) return send(oldSource, "NICK", {name});
        if (result == R::Taken)
          return numeric(n::kNicknameInUse, {name, "Nickname is already in use"});
        numeric(n::kErroneusNickname, {name, "Erroneous nickname"});
      });
}

void IrcSession::onUser(const IrcMessage& m) {
  if (registered() || gotUser_) return numeric(n::kAlreadyRegistered, {"You may not reregister"});
  if (m.paramCount < 4 || m.param(0).empty() || m.param(3).empty())
    return numeric(n::kNeedMoreParams, {"USER", "Not enough parameters"});
  // The user name as ident would give it: no blanks or '@', at most 10 bytes.
  std::string_view given = m.param(0).substr(0, 9);
  user_.assign(1, '~');
  user_.append(given);
  std::replace_if(
      user_.begin(), user_.end(), [](char c) { return c == '@' || c <= ' '; }, '_');
  realname_.assign(m.param(3));
  gotUser_ = true;
  tryRegister();
}

void IrcSession::tryRegister() {
  if (registered() || nick_.empty() || !gotUser_ || capNegotiating_) return;
  if (!frontEnd_.options().password.empty() && !passwordGiven_) {
    numeric(n::kPasswdMismatch, {"Password incorrect"});
    return endSession("", "Bad password");
  }
  if (!frontEnd_.rooms().nickFree(nick_)) {  // taken since the NICK
    numeric(n::kNicknameInUse, {nick_, "Nickname is already in use"});
    nick_.clear();
    return;
  }
  member_ = &frontEnd_.rooms().join(*connection_, frontEnd_.renderer(), nick_, user_ + "@" + host_,
                                    /*enterLobby=*/false);
  member_->realname = realname_;
  welcome();
}

void IrcSession::welcome() {
  const IrcOptions& o = frontEnd_.options();
  std::string source = frontEnd_.renderer().sourceOf(member_->nick, member_->origin);
  numeric(n::kWelcome, {"Welcome to the " + o.network + " IRC network " + source});
  numeric(n::kYourHost, {"Your host is " + o.serverName + ", running version uvreactor-0.2"});
  numeric(n::kCreated, {"This server was created with uvreactor"});
  send(o.serverName, n::kMyInfo, {member_->nick, o.serverName, "uvreactor-0.2", "io", "bnostv"});
  std::string network = "NETWORK=" + o.network;
  std::string chanLimit = "CHANLIMIT=#:" + std::to_string(std::max<std::size_t>(
                                               frontEnd_.rooms().limits().perMember, 1));
  numeric(n::kISupport,
          {"AWAYLEN=200", "CASEMAPPING=rfc1459", chanLimit, "CHANTYPES=#", "CHANMODES=b,,,nst",
           "PREFIX=(ov)@+", "NICKLEN=32", "CHANNELLEN=51", "TOPICLEN=390", "KICKLEN=255",
           "TARGMAX=PRIVMSG:20,NOTICE:20,JOIN:20,PART:20,NAMES:20,KICK:20", "WHOX", network,
           "are supported by this server"});
  onLusers();
  numeric(n::kNoMotd, {"MOTD File is missing"});
  frontEnd_.rooms().tellIfLocal(*member_);
}

void IrcSession::onQuit(const IrcMessage& m) {
  std::string reason = "Quit";
  if (m.paramCount > 0) reason.append(": ").append(m.param(0));
  endSession(reason, reason);
}

void IrcSession::numeric(std::string_view code, std::initializer_list<std::string_view> params) {
  out_.clear();
  std::string_view all[IrcMessage::kMaxParams + 1];
  std::size_t count = 0;
  all[count++] = nick();
  for (std::string_view p : params) {
    if (count < IrcMessage::kMaxParams) all[count++] = p;
  }
  appendIrcLine(out_, frontEnd_.options().serverName, code, all, count, true);
  connection_->send(out_);
}

void IrcSession::send(std::string_view source, std::string_view command,
                      std::initializer_list<std::string_view> params, bool trailing) {
  out_.clear();
  appendIrcLine(out_, source, command, params, trailing);
  connection_->send(out_);
}

}  // namespace uvreactor::protocols::irc
