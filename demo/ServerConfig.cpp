#include "ServerConfig.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "BackplaneCredentials.hpp"
#include "BackplaneTls.hpp"
#include "IrcSecrets.hpp"
#include "ServerOptions.hpp"
#include "backplane/RedisBackplane.hpp"
#include "uvreactor/PlatformFeatures.hpp"

namespace uvreactor::demo {
namespace {

// Seconds as milliseconds: finite, 0 or at least 1 ms (a value that would
// round to 0 must not silently mean "off"), and at most a year.
uint64_t secondsToMs(double seconds, const char* flag) {
  constexpr double kMaxSeconds = 365.0 * 24 * 3600;
  std::string name = std::string("--") + flag;
  if (!(seconds >= 0 && seconds <= kMaxSeconds)) {
    throw UsageError{name + " must be between 0 and " + std::to_string(int(kMaxSeconds)) +
                     " seconds"};
  }
  if (seconds > 0 && seconds < 0.001) throw UsageError{name + " must be 0 or at least 0.001"};
  return static_cast<uint64_t>(seconds * 1000.0 + 0.5);
}

// Counts and sizes: at least `min`, at most `max` (1 TiB by default; a typo
// of extra digits is an error, not a limit that never applies).
std::size_t boundedCount(const cxxopts::ParseResult& args, const char* flag, std::size_t min,
                         std::size_t max = std::size_t{1} << 40) {
  std::size_t value = args[flag].as<std::size_t>();
  if (value < min || value > max) {
    throw UsageError{std::string("--") + flag + " must be between " + std::to_string(min) +
                     " and " + std::to_string(max)};
  }
  return value;
}

constexpr unsigned long kMaxWorkers = 1024;

// "auto": one worker per core; else 1 to kMaxWorkers.
unsigned parseWorkers(const std::string& text) {
  if (text == "auto") return std::max(1u, std::thread::hardware_concurrency());
  char* end = nullptr;
  unsigned long n = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-' || n < 1 || n > kMaxWorkers) {
    throw UsageError{"--workers must be 'auto' or a number from 1 to " +
                     std::to_string(kMaxWorkers) + ", not '" + text + "'"};
  }
  return static_cast<unsigned>(n);
}

// "V4/V6": prefix lengths, 1-32 and 1-128.
std::pair<unsigned, unsigned> parsePrefixes(const std::string& text) {
  unsigned v4 = 0, v6 = 0;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &v4, &slash, &v6, &extra) != 3 || slash != '/' ||
      text.size() > 7 || v4 < 1 || v4 > 32 || v6 < 1 || v6 > 128 ||
      text.find_first_not_of("0123456789/") != std::string::npos) {
    throw UsageError{
        "--per-ip-prefix must be V4/V6 with V4 from 1 to 32 and V6 from 1 to 128 "
        "(default 32/64), not '" +
        text + "'"};
  }
  return {v4, v6};
}

// The files are only named here; they are loaded (and a bad one reported,
// exit 1) when the server starts.
void parseTls(const cxxopts::ParseResult& args, ServerConfig& c) {
  if (args.count("tls-cert")) c.tlsCert = args["tls-cert"].as<std::string>();
  if (args.count("tls-key")) c.tlsKey = args["tls-key"].as<std::string>();
  if (args.count("tls-ca")) c.tlsCa = args["tls-ca"].as<std::string>();
  c.tlsVerifyClient = args["tls-verify-client"].as<bool>();
  c.tlsHandshakeTimeoutMs =
      secondsToMs(args["tls-handshake-timeout"].as<double>(), "tls-handshake-timeout");
  if (c.tlsListen.empty() && c.ircTlsListen.empty()) {
    if (!c.tlsCert.empty() || !c.tlsKey.empty() || !c.tlsCa.empty() || c.tlsVerifyClient)
      throw UsageError{
          "--tls-cert, --tls-key, --tls-ca and --tls-verify-client need --tls-listen or "
          "--irc-tls-listen"};
    return;
  }
  if (c.tlsCert.empty() || c.tlsKey.empty())
    throw UsageError{std::string(c.tlsListen.empty() ? "--irc-tls-listen" : "--tls-listen") +
                     " needs --tls-cert and --tls-key"};
  if (c.tlsVerifyClient && c.tlsCa.empty()) throw UsageError{"--tls-verify-client needs --tls-ca"};
}

std::vector<std::string> strings(const cxxopts::ParseResult& args, const char* flag) {
  return args.count(flag) ? args[flag].as<std::vector<std::string>>() : std::vector<std::string>{};
}

// --listen, --tls-listen, --irc-listen, --irc-tls-listen: parsed, and none
// given twice (port 0 excepted: each is a new port).
void parseAddresses(const cxxopts::ParseResult& args, ServerConfig& c) {
  std::vector<std::string> tlsListen = strings(args, "tls-listen");
  std::vector<std::string> ircTlsListen = strings(args, "irc-tls-listen");
  // The default plaintext address only when no address is given at all.
  std::vector<std::string> listen =
      args.count("listen") ? strings(args, "listen")
      : tlsListen.empty() && ircTlsListen.empty()
          ? std::vector<std::string>{c.protocol == "irc" ? "127.0.0.1:6667" : "127.0.0.1:9006"}
          : std::vector<std::string>{};
  std::vector<std::string> ircListen = strings(args, "irc-listen");
  const std::vector<Endpoint>* all[] = {&c.listen, &c.tlsListen, &c.ircListen, &c.ircTlsListen};
  for (const auto& [flag, list, into] :
       {std::tuple{"--listen", &listen, &c.listen},
        std::tuple{"--irc-listen", &ircListen, &c.ircListen},
        std::tuple{"--tls-listen", &tlsListen, &c.tlsListen},
        std::tuple{"--irc-tls-listen", &ircTlsListen, &c.ircTlsListen}}) {
    for (const auto& text : *list) {
      auto endpoint = Endpoint::parse(text);
      if (!endpoint) throw UsageError{endpoint.error().message()};
      for (const auto* seenList : all) {
        for (const Endpoint& seen : *seenList) {
          if (endpoint->port() != 0 && seen.toString() == endpoint->toString()) {
            throw UsageError{std::string(flag) + " " + text + " is given twice"};
          }
        }
      }
      into->push_back(*endpoint);
    }
  }
  if (c.protocol != "chat" && (!c.ircListen.empty() || !c.ircTlsListen.empty()))
    throw UsageError{
        "--irc-listen and --irc-tls-listen need --protocol chat (with --protocol irc, use "
        "--listen and --tls-listen)"};
}

// --worker K:PID (set by the supervisor): this process is one of its
// workers, serving with SO_REUSEPORT the addresses it resolved.
void parseWorkerRole(const cxxopts::ParseResult& args, ServerConfig& c) {
  if (!args.count("worker")) return;
  std::string value = args["worker"].as<std::string>();
  std::size_t colon = value.find(':');
  char* end = nullptr;
  unsigned long index = std::strtoul(value.c_str(), &end, 10);
  long parent =
      colon == std::string::npos ? 0 : std::strtol(value.c_str() + colon + 1, nullptr, 10);
  if (end != value.c_str() + colon || index == 0 || index > kMaxWorkers || parent <= 1) {
    throw UsageError{"--worker is internal to the supervisor (K:PID)"};
  }
  c.workerIndex = static_cast<unsigned>(index);
  c.supervisorPid = parent;
  c.workers = 1;
  c.listener.reusePort = true;
  for (const auto& [flag, into] :
       {std::pair{"resolved", &c.listen}, std::pair{"resolved-irc", &c.ircListen},
        std::pair{"resolved-tls", &c.tlsListen}, std::pair{"resolved-irc-tls", &c.ircTlsListen}}) {
    into->clear();
    for (const auto& text : strings(args, flag)) {
      auto endpoint = Endpoint::parse(text);
      if (!endpoint) throw UsageError{endpoint.error().message()};
      into->push_back(*endpoint);
    }
  }
}

}  // namespace

ServerConfig parseArgs(int argc, char** argv, cxxopts::Options& options) {
  addServerOptions(options);
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError{e.what()};
  }
  if (!args.unmatched().empty()) throw UsageError{"unexpected argument: " + args.unmatched()[0]};
  ServerConfig c;
  if (args.count("help")) return c;
  c.protocol = args["protocol"].as<std::string>();
  if (c.protocol != "echo" && c.protocol != "chat" && c.protocol != "irc" &&
      c.protocol != "console") {
    throw UsageError{"--protocol must be echo, chat, irc or console, not '" + c.protocol + "'"};
  }
  parseAddresses(args, c);
  c.irc.serverName = args["irc-server-name"].as<std::string>();
  if (c.irc.serverName.empty() || c.irc.serverName.find_first_of(" :!@,\r\n") != std::string::npos)
    throw UsageError{"--irc-server-name must be one word without : ! @ or ,"};
  c.irc.pingIntervalMs = secondsToMs(args["irc-ping-interval"].as<double>(), "irc-ping-interval");
  c.irc.pingTimeoutMs = secondsToMs(args["irc-ping-timeout"].as<double>(), "irc-ping-timeout");
  if (c.irc.pingIntervalMs == 0 || c.irc.pingTimeoutMs == 0)
    throw UsageError{"--irc-ping-interval and --irc-ping-timeout must be above 0"};
  c.irc.floodLinesPerSecond = static_cast<unsigned>(boundedCount(args, "irc-flood", 0, 1000000));
  c.rooms.perMember = boundedCount(args, "max-channels-per-client", 1, 100000);
  c.rooms.total = boundedCount(args, "max-rooms", 0, 100000000);
  c.udp = c.protocol == "echo" && !args["no-udp"].as<bool>();
  c.maxLine = boundedCount(args, "max-line", 1, std::size_t{16} << 20);
  auto level = parseLogLevel(args["log-level"].as<std::string>());
  if (!level) throw UsageError{"--log-level must be debug, info, warn, error or off"};
  c.logLevel = *level;
  c.shutdownTimeoutMs = secondsToMs(args["shutdown-timeout"].as<double>(), "shutdown-timeout");
  ConnectionOptions& conn = c.listener.connection;
  conn.idleTimeoutMs = args.count("idle-timeout")
                           ? secondsToMs(args["idle-timeout"].as<double>(), "idle-timeout")
                           : (c.protocol == "chat" ? 300000 : 0);
  conn.highWaterMark = boundedCount(args, "high-water", 0);
  conn.lowWaterMark = boundedCount(args, "low-water", 0);
  conn.maxQueuedBytes = boundedCount(args, "max-queued", 1);
  if (conn.lowWaterMark > conn.highWaterMark) {
    throw UsageError{"--low-water must not exceed --high-water"};
  }
  if (conn.maxQueuedBytes < conn.highWaterMark) {
    throw UsageError{"--max-queued must be at least --high-water"};
  }
  conn.readBudgetBytes = boundedCount(args, "read-budget", 0);
  c.workers = parseWorkers(args["workers"].as<std::string>());
  if (c.workers > 1 && !reusePortBalancesLoad()) {
    throw UsageError{"--workers " + std::to_string(c.workers) +
                     ": this system cannot spread one port's connections over several "
                     "processes (no SO_REUSEPORT balancing, as on Linux, or SO_REUSEPORT_LB, as "
                     "on FreeBSD); they would all go to one worker. Run one process"};
  }
  c.workerReadyTimeoutMs =
      secondsToMs(args["worker-ready-timeout"].as<double>(), "worker-ready-timeout");
  if (c.workerReadyTimeoutMs == 0) throw UsageError{"--worker-ready-timeout must be above 0"};
  if (args.count("backplane")) {
    if (c.protocol == "echo" || c.protocol == "console")
      throw UsageError{"--backplane needs --protocol chat or irc"};
    try {
      auto address = protocols::backplane::parseBackplaneUrl(args["backplane"].as<std::string>());
      c.backplane = address.redis;
      c.backplanePrefix = address.prefix;
      c.backplaneUser = address.user;
      c.backplaneTls = address.tls;
    } catch (const std::invalid_argument& e) {
      throw UsageError{std::string("--backplane: ") + e.what()};
    }
  }
  if (c.protocol == "console" && c.workers > 1) {
    throw UsageError{"--workers " + std::to_string(c.workers) +
                     " with --protocol console: the console is this process's stdin and "
                     "stdout, which worker processes cannot share; run it without --workers"};
  }
  if (c.protocol != "echo" && c.workers > 1 && !c.backplane) {
    throw UsageError{"--workers " + std::to_string(c.workers) + " with --protocol " + c.protocol +
                     " would split every room per worker: members "
                     "served by different workers could not see each other. Run one worker, "
                     "or share the rooms with --backplane redis://HOST:PORT"};
  }
  parseWorkerRole(args, c);
  parseTls(args, c);
  c.listener.maxConnections = boundedCount(args, "max-connections", 0, 100000000);
  c.listener.maxPerAddress = boundedCount(args, "max-connections-per-ip", 0, 100000000);
  std::tie(c.listener.perAddressPrefixV4, c.listener.perAddressPrefixV6) =
      parsePrefixes(args["per-ip-prefix"].as<std::string>());
  readBackplaneCredentials(args, c);
  readBackplaneTls(args, c);
  readIrcSecrets(args, c);
  if (c.protocol == "chat" || c.protocol == "console")
    c.listener.rejectMessage = "! server full, try again later\n";
  if (c.protocol == "irc") c.listener.rejectMessage = "ERROR :Server full, try again later\r\n";
  return c;
}

std::string visibleHelp(const cxxopts::Options& options) {
  std::vector<std::string> groups;
  for (const std::string& group : options.groups()) {
    if (group != kInternalGroup) groups.push_back(group);
  }
  return options.help(groups);
}

bool servesAnything(const ServerConfig& c) {
  return !c.listen.empty() || !c.tlsListen.empty() || !c.ircListen.empty() ||
         !c.ircTlsListen.empty();
}

}  // namespace uvreactor::demo
