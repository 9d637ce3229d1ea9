// IrcNumerics: the numeric replies the IRC front end sends (RFC 2812 and
// the Modern IRC document), by name.
#pragma once

#include <string_view>

namespace uvreactor::protocols::irc::numeric {

constexpr std::string_view kWelcome = "001", kYourHost = "002", kCreated = "003", kMyInfo = "004",
                           kISupport = "005";
constexpr std::string_view kUModeIs = "221";
constexpr std::string_view kAway = "301", kUnAway = "305", kNowAway = "306";
constexpr std::string_view kYoureOper = "381", kNoOperHost = "491";
constexpr std::string_view kLUserClient = "251", kLUserOp = "252", kLUserUnknown = "253",
                           kLUserChannels = "254", kLUserMe = "255";
constexpr std::string_view kWhoisUser = "311", kWhoisServer = "312", kEndOfWho = "315",
                           kEndOfWhois = "318", kWhoisChannels = "319", kWhoisSecure = "671";
constexpr std::string_view kListStart = "321", kList = "322", kListEnd = "323",
                           kChannelModeIs = "324";
constexpr std::string_view kNoTopic = "331", kTopic = "332", kTopicWhoTime = "333";
constexpr std::string_view kWhoSpcRpl = "354";
constexpr std::string_view kWhoReply = "352", kNamReply = "353", kEndOfNames = "366",
                           kEndOfBanList = "368";
constexpr std::string_view kNoMotd = "422";
constexpr std::string_view kNoSuchNick = "401", kNoSuchChannel = "403", kCannotSendToChan = "404",
                           kTooManyChannels = "405", kNoRecipient = "411", kNoTextToSend = "412",
                           kInputTooLong = "417", kUnknownCommand = "421", kNoNicknameGiven = "431",
                           kErroneusNickname = "432", kNicknameInUse = "433",
                           kUserNotInChannel = "441", kNotOnChannel = "442", kNotRegistered = "451",
                           kNeedMoreParams = "461", kAlreadyRegistered = "462",
                           kPasswdMismatch = "464", kUnknownMode = "472", kChanOPrivsNeeded = "482",
                           kUModeUnknownFlag = "501", kUsersDontMatch = "502",
                           kInvalidCapCmd = "410";

}  // namespace uvreactor::protocols::irc::numeric
