// IrcSession: one IRC client: registration (CAP, PASS, NICK, USER), then
// its commands as a member of the room service.
//
// Supported: CAP LS/LIST/REQ/END (no capabilities), PASS, NICK, USER,
// PING/PONG, QUIT, JOIN (several channels, JOIN 0), PART, PRIVMSG and
// NOTICE to channels and nicks (CTCP ACTION is /me), NAMES, TOPIC, LIST,
// WHO (channels and nick masks), WHOIS, LUSERS, AWAY, OPER, MODE (a
// channel's creator is its operator and may give +o and set +t, the topic
// lock, on by default; +n is always on; the ban list is always empty; no
// user modes), KICK (channel operators; across servers too), with the error
// numerics of RFC 2812. Lines over 512 bytes (tags aside) get 417 and are
// ignored; a line over the tag allowance too ends the session.
//
// Created by IrcFrontEnd's factory, owned by its connection. Loop-thread only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "chat/ChatRoomService.hpp"
#include "irc/IrcMessage.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/LineCodec.hpp"

namespace uvreactor::protocols::irc {

class IrcFrontEnd;

class IrcSession final : public ConnectionHandler {
 public:
  explicit IrcSession(IrcFrontEnd& frontEnd);
  ~IrcSession() override;

  void onOpen(Connection& connection) override;
  void onData(Connection& connection, std::string_view bytes) override;
  void onEof(Connection& connection) override;
  void onClose(Connection& connection, const Error& reason) override;

  // From the front end's timer: pings an idle client, drops a silent one.
  void checkAlive(uint64_t nowMs);

 private:
  bool handleLine(std::string_view line);
  void dispatch(const IrcMessage& m);
  bool registered() const { return member_ != nullptr; }
  const std::string& nick() const;

  // Registration (IrcSession.cpp).
  void onCap(const IrcMessage& m);
  void onPass(const IrcMessage& m);
  void onNick(const IrcMessage& m);
  void onUser(const IrcMessage& m);
  void tryRegister();
  void welcome();
  void onQuit(const IrcMessage& m);
  bool floodOk();

  // Messages and queries about people (IrcMessaging.cpp).
  void onMessage(const IrcMessage& m, bool notice);
  void onWhois(const IrcMessage& m);
  void onLusers();
  void onMode(const IrcMessage& m);
  void onChannelMode(const IrcMessage& m);
  void changeRoomMode(std::string_view room, char c, bool adding);
  bool changeMemberMode(std::string_view room, const std::string& name, char c, bool adding,
                        std::string_view nick);
  void onAway(const IrcMessage& m);
  void onOper(const IrcMessage& m);

  // Channels (IrcChannels.cpp).
  void onJoin(const IrcMessage& m);
  void onPart(const IrcMessage& m);
  void onNames(const IrcMessage& m);
  void sendNames(const std::vector<std::string>& channels, const std::string& label);
  void onTopic(const IrcMessage& m);
  void onList(const IrcMessage& m);
  void onKick(const IrcMessage& m);
  void kickOne(std::string_view channel, std::string_view nick, const std::string& reason);
  // The member's spelling of `channel`'s room, or empty if not in it.
  std::string roomIfIn(std::string_view channel) const;

  // WHO (IrcWho.cpp). WHOX: "%FIELDS[,TOKEN]" after the mask.
  struct WhoxRequest {
    bool on = false;
    std::string_view fields;
    std::string_view token;
  };
  void onWho(const IrcMessage& m);
  void whoChannel(std::string_view room, const WhoxRequest& whox);
  void whoMask(std::string_view pattern, const WhoxRequest& whox);
  char prefixIn(const chat::Member& who, std::string_view room) const;
  void whoReply(std::string_view channel, const chat::Member& who, char prefix,
                const WhoxRequest& whox);

  // Replies: ":server CODE nick params..." (the last one as text), and any line.
  void numeric(std::string_view code, std::initializer_list<std::string_view> params);
  void send(std::string_view source, std::string_view command,
            std::initializer_list<std::string_view> params, bool trailing = false);
  void endSession(std::string_view reason, std::string_view error);
  // Logs (rate-limited, with the peer) a request the server refused.
  void refused(const std::string& what);

  IrcFrontEnd& frontEnd_;
  Connection* connection_ = nullptr;
  chat::Member* member_ = nullptr;
  LineCodec codec_;
  std::string nick_;  // before registration
  std::string user_;
  std::string realname_;
  std::string host_;
  bool gotUser_ = false;
  bool capNegotiating_ = false;
  bool passwordGiven_ = false;
  unsigned operFailures_ = 0;
  bool ended_ = false;
  uint64_t lastHeardMs_ = 0;
  uint64_t pingSentMs_ = 0;
  double floodTokens_ = 0;
  uint64_t floodAtMs_ = 0;
  std::string out_;
};

}  // namespace uvreactor::protocols::irc
